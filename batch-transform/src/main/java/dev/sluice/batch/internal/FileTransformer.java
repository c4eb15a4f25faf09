package dev.sluice.batch.internal;

import dev.sluice.batch.AssembleWith;
import dev.sluice.batch.BatchStrategy;
import dev.sluice.batch.Compression;
import dev.sluice.batch.SplitType;
import dev.sluice.batch.TransformConfig;
import dev.sluice.batch.TransformListener;
import dev.sluice.core.InferenceRequest;
import dev.sluice.core.InferenceResponse;
import dev.sluice.core.SluiceException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.zip.GZIPInputStream;

/**
 * Transforms one input file on the calling thread: read records → filter → pack mini-batches → invoke (up to the
 * job-wide permit count in flight) → write responses in input order → commit the {@code .out}.
 *
 * <p>Memory is bounded by the permits: one is taken before a batch is sent and given back only once its response
 * is written (or dropped), so across all files at most {@code maxConcurrentTransforms} batches and their responses
 * are held, plus the one batch each file is packing.
 */
public final class FileTransformer {
    /** Outcome of one file. */
    public enum Outcome { SUCCEEDED, FAILED, STOPPED }

    public record Result(Outcome outcome, long records, String reason) {
    }

    private final TransformConfig config;
    private final DataProcessing processing;
    private final Invoker invoker;
    private final Semaphore permits;
    private final BooleanSupplier stopping;
    private final TransformListener listener;

    public FileTransformer(TransformConfig config, DataProcessing processing, Invoker invoker, Semaphore permits,
                           BooleanSupplier stopping, TransformListener listener) {
        this.config = config;
        this.processing = processing;
        this.invoker = invoker;
        this.permits = permits;
        this.stopping = stopping;
        this.listener = listener;
    }

    /** A sent mini-batch: its input records are kept only when the join needs them. */
    private record InFlight(List<byte[]> inputs, int records, CompletableFuture<InferenceResponse> response) {
    }

    private static final class FileFailed extends Exception {
        FileFailed(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    public Result transform(Store input, Store.Item item, Store output) {
        ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
        Store.PendingOutput out = null;
        long[] written = {0};
        try (InputStream raw = input.open(item)) {
            out = output.create(item.relativePath() + ".out");
            InputStream in = new BufferedInputStream(raw, 64 * 1024);
            if (config.compression() == Compression.GZIP) {
                in = new GZIPInputStream(in, 64 * 1024);
            }
            RecordReader reader = RecordReader.open(config.splitType(), in, config.maxPayloadBytes());
            Batch batch = new Batch();
            long recordNumber = 0;
            byte[] record;
            while ((record = reader.next()) != null) {
                recordNumber++;
                byte[] filtered = processing.filterInput(record);
                long size = framedSize(filtered.length, true);
                if (size > config.maxPayloadBytes()) {
                    throw new FileFailed(new RecordReader.RecordTooLargeException(recordNumber, filtered.length,
                            config.maxPayloadBytes()).getMessage(), null);
                }
                if (!batch.isEmpty() && (config.batchStrategy() == BatchStrategy.SINGLE_RECORD
                        || batch.bytes + framedSize(filtered.length, false) > config.maxPayloadBytes())) {
                    if (!send(batch, inFlight, out.stream(), written)) {
                        return abort(out, inFlight, written[0]);
                    }
                    batch = new Batch();
                }
                batch.add(filtered, processing.perRecordOutput() ? record : null, framedSize(filtered.length, batch.isEmpty()));
            }
            if (!batch.isEmpty() && !send(batch, inFlight, out.stream(), written)) {
                return abort(out, inFlight, written[0]);
            }
            while (!inFlight.isEmpty()) {
                writeHead(inFlight, out.stream(), written);
            }
            out.commit();
            return new Result(Outcome.SUCCEEDED, written[0], null);
        } catch (FileFailed e) {
            drain(inFlight);
            if (out != null) {
                out.abort();
            }
            return new Result(Outcome.FAILED, written[0], e.getMessage());
        } catch (IOException | RuntimeException e) {
            drain(inFlight);
            if (out != null) {
                out.abort();
            }
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return new Result(Outcome.FAILED, written[0], e instanceof java.util.zip.ZipException
                    ? "not gzip data (--compression Gzip): " + message : message);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drain(inFlight);
            out.abort();
            return new Result(Outcome.STOPPED, written[0], "interrupted");
        }
    }

    private Result abort(Store.PendingOutput out, ArrayDeque<InFlight> inFlight, long written) {
        drain(inFlight);
        out.abort();
        return new Result(Outcome.STOPPED, written, "stopped");
    }

    /** Sends a batch once a permit is free, writing finished responses meanwhile; false when the job is stopping. */
    private boolean send(Batch batch, ArrayDeque<InFlight> inFlight, OutputStream out, long[] written)
            throws InterruptedException, FileFailed, IOException {
        while (true) {
            if (stopping.getAsBoolean()) {
                return false;
            }
            writeDone(inFlight, out, written);
            // Poll rather than block: our own finished-but-unwritten responses may hold the permits we wait for.
            if (permits.tryAcquire(5, TimeUnit.MILLISECONDS)) {
                break;
            }
        }
        InferenceRequest request = InferenceRequest.of(batch.body(config.splitType()), config.contentType(), config.accept());
        CompletableFuture<InferenceResponse> response;
        try {
            response = invoker.invoke(request);
        } catch (RuntimeException e) {
            permits.release();
            throw e;
        }
        inFlight.add(new InFlight(batch.originals, batch.records.size(), response));
        writeDone(inFlight, out, written);
        return true;
    }

    private void writeDone(ArrayDeque<InFlight> inFlight, OutputStream out, long[] written)
            throws FileFailed, IOException, InterruptedException {
        while (!inFlight.isEmpty() && inFlight.peekFirst().response.isDone()) {
            writeHead(inFlight, out, written);
        }
    }

    private void writeHead(ArrayDeque<InFlight> inFlight, OutputStream out, long[] written)
            throws FileFailed, IOException, InterruptedException {
        InFlight head = inFlight.peekFirst();
        InferenceResponse response;
        try {
            response = head.response.get();
        } catch (ExecutionException e) {
            SluiceException error = SluiceException.from(e);
            throw new FileFailed("the model failed a mini-batch of " + head.records + " record(s) after "
                    + written[0] + " written: " + error.code().type() + ": " + error.getMessage(), error);
        }
        inFlight.pollFirst();
        try {
            write(head, response.body(), out);
        } finally {
            permits.release();
        }
        written[0] += head.records;
        listener.recordsDone(head.records);
    }

    private void write(InFlight batch, byte[] body, OutputStream out) throws IOException, FileFailed {
        boolean lines = config.assembleWith() == AssembleWith.LINE;
        if (!processing.perRecordOutput()) {
            out.write(body);
            if (lines && (body.length == 0 || body[body.length - 1] != '\n')) {
                out.write('\n');
            }
            return;
        }
        List<byte[]> outputs = batch.records == 1 ? List.of(DataProcessing.trimLineEnd(body)) : splitLines(body);
        if (outputs.size() != batch.records) {
            throw new FileFailed("the model answered " + outputs.size() + " line(s) for a mini-batch of "
                    + batch.records + " record(s); --join-source and --output-filter need one output line per record", null);
        }
        for (int i = 0; i < outputs.size(); i++) {
            byte[] processed = processing.output(batch.inputs == null ? null : batch.inputs.get(i), outputs.get(i));
            out.write(processed);
            if (lines || i < outputs.size() - 1) {
                out.write('\n');
            }
        }
    }

    private static List<byte[]> splitLines(byte[] body) {
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= body.length; i++) {
            if (i == body.length || body[i] == '\n') {
                int end = i > start && body[i - 1] == '\r' ? i - 1 : i;
                if (i < body.length || end > start) {
                    lines.add(java.util.Arrays.copyOfRange(body, start, end));
                }
                start = i + 1;
            }
        }
        return lines;
    }

    /** Waits for requests already sent (SageMaker lets in-flight requests finish), dropping their answers. */
    private void drain(ArrayDeque<InFlight> inFlight) {
        InFlight next;
        while ((next = inFlight.pollFirst()) != null) {
            try {
                next.response.handle((r, f) -> null).join();
            } finally {
                permits.release();
            }
        }
    }

    /** Bytes a record adds to a request body: the Line separator, or the binary framing. */
    private long framedSize(int length, boolean first) {
        return switch (config.splitType()) {
            case NONE -> length;
            case LINE -> first ? length : length + 1L;
            case RECORD_IO -> 8L + ((length + 3L) & ~3L);
            case TF_RECORD -> TfRecords.framedSize(length);
        };
    }

    /** A mini-batch being packed; never spans files, since each file packs its own. */
    private static final class Batch {
        final List<byte[]> records = new ArrayList<>();
        List<byte[]> originals;
        long bytes;

        boolean isEmpty() {
            return records.isEmpty();
        }

        void add(byte[] filtered, byte[] original, long framed) {
            records.add(filtered);
            if (original != null) {
                if (originals == null) {
                    originals = new ArrayList<>();
                }
                originals.add(original);
            }
            bytes += framed;
        }

        byte[] body(SplitType split) {
            if (records.size() == 1 && (split == SplitType.NONE || split == SplitType.LINE)) {
                return records.get(0);
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, bytes));
            for (int i = 0; i < records.size(); i++) {
                byte[] r = records.get(i);
                switch (split) {
                    case NONE -> body.writeBytes(r);
                    case LINE -> {
                        if (i > 0) {
                            body.write('\n');
                        }
                        body.writeBytes(r);
                    }
                    case RECORD_IO -> dev.sluice.core.codec.internal.RecordIo.write(body, r);
                    case TF_RECORD -> TfRecords.write(body, r);
                }
            }
            return body.toByteArray();
        }
    }
}
