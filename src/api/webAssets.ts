/**
 * The review web page's static routes: `/` serves the page, `/assets/…` its plain ES
 * modules and stylesheet from src/api/web/, and `/assets/vendor/…` uPlot's distributed files straight
 * from node_modules (nothing is copied or bundled). Mount it on the same express app as `/api/v1`; the
 * page fetches the API with relative URLs, so the pair also works under a path prefix.
 *
 * Every response carries a Content-Security-Policy that allows only same-origin scripts, styles,
 * images and fetches: the page needs no CDN, font or inline script.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import express, { type Request, type Response, type Router } from "express";

export interface WebAssetsOptions {
  /** Directory holding index.html and the page's modules; default: found next to this module. */
  readonly webDir?: string;
}

/** Same-origin only; uPlot styles its elements through the CSSOM, which this policy allows. */
export const WEB_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The vendored files the page imports, by the name it uses, resolved from the `uplot` package. */
const VENDOR_FILES: Readonly<Record<string, { readonly specifier: string; readonly type: string }>> = {
  "uPlot.esm.js": { specifier: "uplot/dist/uPlot.esm.js", type: "text/javascript; charset=utf-8" },
  "uPlot.min.css": { specifier: "uplot/dist/uPlot.min.css", type: "text/css; charset=utf-8" },
};

/**
 * Where the page's files are: next to this module when running from src/ (tsx), or back in src/api/web
 * when running the compiled dist/api/webAssets.js (tsc copies no static files).
 */
export function findWebDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "web"), join(here, "..", "..", "src", "api", "web")];
  for (const dir of candidates) {
    if (existsSync(join(dir, "index.html"))) return dir;
  }
  throw new Error(`review page assets not found: no index.html in ${candidates.join(" or ")}`);
}

function resolveVendor(): Record<string, { readonly path: string; readonly type: string }> {
  const require = createRequire(import.meta.url);
  const out: Record<string, { path: string; type: string }> = {};
  for (const [name, file] of Object.entries(VENDOR_FILES)) {
    try {
      out[name] = { path: require.resolve(file.specifier), type: file.type };
    } catch (err) {
      throw new Error(
        `review page: cannot resolve ${file.specifier} (is the "uplot" package installed?): ${(err as Error).message}`,
      );
    }
  }
  return out;
}

function securityHeaders(res: Response): void {
  res.setHeader("Content-Security-Policy", WEB_CSP);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("Cache-Control", "no-cache");
}

/** An express Router serving the page at `/` (and `/index.html`) and its assets under `/assets/`. */
export function webAssetsRouter(options: WebAssetsOptions = {}): Router {
  const webDir = options.webDir ?? findWebDir();
  const indexFile = join(webDir, "index.html");
  if (!existsSync(indexFile)) throw new Error(`review page assets not found: ${indexFile} does not exist`);
  const vendor = resolveVendor();
  const router = express.Router();

  const sendIndex = (_req: Request, res: Response): void => {
    securityHeaders(res);
    res.type("html").sendFile(indexFile);
  };
  router.get("/", sendIndex);
  router.get("/index.html", sendIndex);
  // Browsers ask for /favicon.ico whatever the page links; the SVG answers both (no 404 in the console).
  router.get("/favicon.ico", (_req: Request, res: Response) => {
    securityHeaders(res);
    res.type("image/svg+xml").sendFile(join(webDir, "favicon.svg"));
  });

  router.get("/assets/vendor/:file", (req: Request, res: Response) => {
    const file = vendor[String(req.params.file)];
    securityHeaders(res);
    if (file === undefined) {
      res
        .status(404)
        .type("text")
        .send(`no vendored asset ${String(req.params.file)}`);
      return;
    }
    res.setHeader("Content-Type", file.type);
    res.sendFile(file.path);
  });

  router.use(
    "/assets",
    (_req: Request, res: Response, next: () => void) => {
      securityHeaders(res);
      next();
    },
    express.static(webDir, { index: false, dotfiles: "deny", cacheControl: false }),
    (req: Request, res: Response) => {
      res.status(404).type("text").send(`no review page asset ${req.path}`);
    },
  );
  return router;
}
