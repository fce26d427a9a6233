package dev.smallmind.server;

import dev.smallmind.generate.Session;
import dev.smallmind.generate.TokenSink;
import dev.smallmind.tokenizer.Utf8Assembler;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Streams a generation as server-sent events, one {@code data:} event per piece of text the session releases. The
 * pieces are held back to whole UTF-8 characters (a token may end inside one) and written through reused buffers,
 * so streaming adds no allocation per token on the generating thread, which the session's decode memory counts.
 * When the client goes away a write fails: the session is asked to stop after the current token, and nothing more
 * is written.
 */
final class EventStreamSink implements TokenSink {
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private final OutputStream out;
    private final Session session;
    private final byte[] before;
    private final byte[] after;
    private final Utf8Assembler pending = new Utf8Assembler(64);
    private final JsonTextBuffer event = new JsonTextBuffer(1024);
    private boolean broken;

    /**
     * @param out      the response body
     * @param session  the generating session, cancelled when the client is gone
     * @param template the chunk's bytes before and after its text ({@link ResponseJson#chunkTemplate()})
     */
    EventStreamSink(OutputStream out, Session session, byte[][] template) {
        this.out = out;
        this.session = session;
        this.before = template[0];
        this.after = template[1];
    }

    @Override
    public void text(byte[] bytes, int offset, int length) {
        pending.append(bytes, offset, length);
        emit(pending.completeLength());
    }

    /** Writes a whole event, {@code data: json}, outside the per-token path (first and last events). */
    void event(String json) {
        event.clear();
        event.appendRaw(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
        write();
    }

    /**
     * Ends the stream: bytes still held back (a character cut off at the end, written as U+FFFD), the final event,
     * then {@code [DONE]}.
     */
    void finish(String finalJson) {
        emit(pending.length());
        event(finalJson);
        event.clear();
        event.appendRaw(DONE);
        write();
    }

    /** @return whether a write failed: the client has gone */
    boolean broken() {
        return broken;
    }

    private void emit(int ready) {
        if (ready == 0) {
            return;
        }
        event.clear();
        event.appendRaw(before);
        event.appendEscaped(pending.buffer(), 0, ready);
        event.appendRaw(after);
        pending.consume(ready);
        write();
    }

    private void write() {
        if (broken) {
            return;
        }
        try {
            out.write(event.array(), 0, event.length());
            out.flush();
        } catch (IOException e) {
            broken = true;
            session.cancel();
        }
    }
}
