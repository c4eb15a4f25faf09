package dev.sluice.autoscaler.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The last lines of a child's log, for failure messages. */
public final class LogTail {
    /** Enough for dozens of stack-trace lines; a failure message must stay readable. */
    private static final int MAX_BYTES = 16 * 1024;

    private LogTail() {
    }

    public static String lastLines(Path file, int lines) {
        if (lines == 0) {
            return "";
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            int size = (int) Math.min(length, MAX_BYTES);
            byte[] bytes = new byte[size];
            raf.seek(length - size);
            raf.readFully(bytes);
            String[] all = new String(bytes, StandardCharsets.UTF_8).split("\r?\n");
            List<String> tail = new ArrayList<>();
            for (int i = Math.max(0, all.length - lines); i < all.length; i++) {
                tail.add(all[i]);
            }
            return String.join("\n", tail).strip();
        } catch (IOException e) {
            return "(log " + file + " unreadable: " + e.getMessage() + ")";
        }
    }
}
