package dev.sluice.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sluice} command. Subcommands parse arguments into config records and boot modules; no logic here. */
@Command(name = "sluice", mixinStandardHelpOptions = true, versionProvider = SluiceCommand.Version.class,
        description = "Model serving and inference gateway that speaks SageMaker's hosting contracts.",
        subcommands = {ServeCommand.class, HostCommand.class, TransformCommand.class, CompileCommand.class,
                RecommendCommand.class, CommandLine.HelpCommand.class})
public final class SluiceCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        // First, before any class that could load DJL: see ProcessDefaults.
        ProcessDefaults.apply();
        int code = commandLine().execute(args);
        if (code != 0 || !ServerLauncher.isServing()) {
            System.exit(code);
        }
    }

    static CommandLine commandLine() {
        return new CommandLine(new SluiceCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SluiceCommand.class.getPackage().getImplementationVersion();
            return new String[] {"sluice " + (v == null ? "dev" : v)};
        }
    }
}
