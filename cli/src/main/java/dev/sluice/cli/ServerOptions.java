package dev.sluice.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Ports, limits and the work directory, shared by {@code serve} and {@code host}. Null: not given. */
final class ServerOptions {
    @Option(names = "--port", description = "Data-plane port (default 8080).")
    Integer port;

    @Option(names = "--admin-port", description = "Admin port: /metrics, /ping (default 8081).")
    Integer adminPort;

    @Option(names = "--bind", description = "Address the data plane binds to (default 127.0.0.1; anything else "
            + "needs credentials or --auth none).")
    String bind;

    @Option(names = "--admin-bind", description = "Address the admin port (control plane, /metrics) binds to "
            + "(default 127.0.0.1, whatever --bind is).")
    String adminBind;

    @Option(names = "--max-payload-mb", description = "Largest request body in MB (default 6).")
    Double maxPayloadMb;

    @Option(names = "--drain-seconds", description = "SIGTERM drain window (default 30).")
    Integer drainSeconds;

    @Option(names = "--work-dir", description = "Where model archives are unpacked (default ~/.sluice/work).")
    Path workDir;

    Path workDirOrDefault() {
        return workDir != null ? workDir : Path.of(System.getProperty("user.home"), ".sluice", "work");
    }
}
