# syntax=docker/dockerfile:1
# Foresight's image: `foresight serve` (and every other subcommand) as a non-root user.
#   docker build -t foresight:0.1.0 .
# Stage 1 installs every dependency (npm ci also runs the `prepare` script, the TypeScript build,
# and @tensorflow/tfjs-node's install script, which downloads libtensorflow), then drops the dev
# dependencies. Stage 2 is the slim runtime on the same Debian release, so the native addon matches.
# The Node major matches package.json "engines" (>=20.11).

FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm ci --no-audit --no-fund \
 && test -f dist/cli/main.js \
 && npm prune --omit=dev --no-audit --no-fund \
 && node -e "import('@tensorflow/tfjs-node').then(() => console.log('tfjs-node: native backend OK'), (e) => { console.error('tfjs-node missing:', e.message); process.exit(1); })"

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# package.json: the version (`foresight --version`); src/api/web: the review page and
# src/adapter/keda/proto: KEDA's external scaler proto, loaded at start (tsc copies no static
# files); examples, data and the CRD: `foresight demo`.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY src/api/web ./src/api/web
COPY src/adapter/keda/proto ./src/adapter/keda/proto
COPY examples ./examples
COPY data ./data
COPY deploy/crd ./deploy/crd
# 65532: the conventional "nonroot" uid/gid (distroless); deploy/base/deployment.yaml runs as it.
USER 65532:65532
EXPOSE 6443 8080
# package.json "bin": foresight → dist/cli/main.js (its shebang's V8 flag repeated here).
ENTRYPOINT ["node", "--max-semi-space-size=4", "dist/cli/main.js"]
CMD ["serve", "--config", "/etc/foresight/config.yaml"]
