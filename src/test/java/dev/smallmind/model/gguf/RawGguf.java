package dev.smallmind.model.gguf;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/** Builds GGUF bytes field by field, so tests can craft malformed headers; {@link #pos()} tracks offsets. */
final class RawGguf {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A v3 header with the given counts. */
    static RawGguf header(long tensors, long kvs) {
        return new RawGguf().bytes("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(3).u64(tensors).u64(kvs);
    }

    long pos() {
        return out.size();
    }

    RawGguf u8(int v) {
        out.write(v);
        return this;
    }

    RawGguf u32(long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    RawGguf u64(long v) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    RawGguf bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    RawGguf zeros(int n) {
        return bytes(new byte[n]);
    }

    RawGguf str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return u64(b.length).bytes(b);
    }

    /** A key with a UINT32 value. */
    RawGguf kvU32(String key, long v) {
        return str(key).u32(GgufType.UINT32.id()).u32(v);
    }

    /** A tensor info. */
    RawGguf tensor(String name, int type, long offset, long... dims) {
        str(name).u32(dims.length);
        for (long d : dims) {
            u64(d);
        }
        return u32(type).u64(offset);
    }

    /** Zero padding up to a multiple of 32. */
    RawGguf align32() {
        return zeros((int) ((32 - pos() % 32) % 32));
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    MemorySegment segment() {
        return MemorySegment.ofArray(toByteArray());
    }
}
