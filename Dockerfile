# syntax=docker/dockerfile:1
# Foresight's image: `foresight serve` (and every other subcommand) as a non-root user.
#   docker build -t foresight:0.1.0 .
#   docker build --build-arg TFJS_NODE=true -t foresight:0.1.0 .   # try the native TensorFlow backend
# Both stages run Node 22 (a supported LTS; package.json "engines" asks for >=20.11) on the same
# Debian release. Stage 1 installs with --ignore-scripts, so no install script reaches the network:
# @tensorflow/tfjs-node is an optionalDependency whose install script downloads libtensorflow (and
# compiles where no prebuilt addon matches the Node version); without its addon it is removed and
# Foresight uses TensorFlow.js's WASM backend (src/forecast/tf/backend.ts). TFJS_NODE=true runs that
# script, and a failure still leaves a working image on the WASM backend.

FROM node:22-bookworm-slim AS build
ARG TFJS_NODE=false
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
# No install script runs: `prepare` (the TypeScript build) is run by name instead.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm run build \
 && test -f dist/cli/main.js \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund
# The optional native backend: kept only if it loads; never fails the build.
RUN if [ "$TFJS_NODE" = "true" ]; then npm rebuild @tensorflow/tfjs-node || echo "tfjs-node: install script failed"; fi; \
    if node -e "import('@tensorflow/tfjs-node').catch(() => process.exit(1))" >/dev/null 2>&1; then \
      echo "tfjs-node: native backend OK"; \
    else \
      rm -rf node_modules/@tensorflow/tfjs-node; echo "tfjs-node: not installed, the WASM backend is used"; \
    fi

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# package.json: the version (`foresight --version`); src/api/web: the review page (tsc copies no
# static files); models: the global forecasting model's pretrained network; examples, data and the
# CRD: `foresight demo`.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY src/api/web ./src/api/web
COPY models ./models
COPY examples ./examples
COPY data ./data
COPY deploy/crd ./deploy/crd
# 65532: the conventional "nonroot" uid/gid (distroless); the chart and deploy/base run as it.
USER 65532:65532
EXPOSE 6443 8080
# package.json "bin": foresight → dist/cli/main.js (its shebang's V8 flag repeated here).
ENTRYPOINT ["node", "--max-semi-space-size=4", "dist/cli/main.js"]
CMD ["serve", "--config", "/etc/foresight/config.yaml"]
