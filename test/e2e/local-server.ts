/** A stand-in's HTTP server on a free loopback port: its base URL and how to stop it. */
import { createServer, type RequestListener } from 'node:http';

export interface LocalServer { url: string; stop(): Promise<void> }

export async function listenLocal(listener: RequestListener): Promise<LocalServer> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
