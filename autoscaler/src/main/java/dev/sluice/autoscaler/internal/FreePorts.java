package dev.sluice.autoscaler.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Free loopback ports, found by binding port 0. The port is free when this returns and is taken by the child a
 * moment later; another process could grab it in between, which the child then reports by exiting, and the caller's
 * failure message says so.
 */
public final class FreePorts {
    private FreePorts() {
    }

    /** {@code count} distinct free ports (all held open together while chosen, so they differ). */
    public static int[] allocate(int count) throws IOException {
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
    }
}
