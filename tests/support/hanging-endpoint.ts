// A TCP endpoint on 127.0.0.1 that accepts connections, reads whatever is sent and never answers: an AWS endpoint
// that hangs. Point AWS_ENDPOINT_URL_<SERVICE> at `url` (then resetClients()) to see how the code copes.
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface HangingEndpoint {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** connections accepted so far */
  connections(): number;
  /** closes the listener and every open connection */
  close(): Promise<void>;
}

export async function startHangingEndpoint(): Promise<HangingEndpoint> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('data', () => undefined); // read and ignore: the request never gets an answer
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
