// Raw TCP connections for tests that speak to the network layer frame by frame.

import { connect, type Socket } from "node:net";

/** A connected socket to 127.0.0.1:port (rejects if the connection fails). */
export async function openSocket(port: number): Promise<Socket> {
  const socket = connect({ host: "127.0.0.1", port });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return socket;
}
