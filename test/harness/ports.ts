/** Free loopback TCP ports for test servers. */
import { createServer } from "node:net";

/** A port that was free on 127.0.0.1 a moment ago: the OS picks one, we read it and let it go. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("freePort: the server has no TCP address"));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
