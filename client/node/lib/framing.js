// Frames: a body of `length` bytes after its length as a protobuf varint (protocol/README.md).
//
//   +------------------------------+----------------------------------+
//   | length: unsigned varint,     | body: exactly `length` bytes,    |
//   | 1 to 5 bytes, fits 32 bits   | one serialized protobuf message  |
//   +------------------------------+----------------------------------+
//
// Reading is separate from decoding messages: FrameDecoder only cuts the byte stream into bodies,
// bounded by maxFrameBytes, which it checks on the prefix alone, before it buffers the body.
"use strict";

/** A frame this side must not read: a prefix that is not a varint32, or a body over the limit. */
class FrameError extends Error {
  constructor(message) {
    super(message);
    this.name = "FrameError";
  }
}

/**
 * Cuts a byte stream into frame bodies. `push(chunk)` calls `onFrame(body)` for every whole frame,
 * in order; a body may be a view into a chunk, valid only during the call. A partial frame's
 * chunks are kept as they come and joined once, when the frame is whole. After a FrameError the
 * decoder is broken: the stream cannot be resynchronised.
 */
class FrameDecoder {
  /**
   * @param {number} maxFrameBytes largest body accepted, in bytes
   * @param {(body: Buffer) => void} onFrame
   */
  constructor(maxFrameBytes, onFrame) {
    if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < 0) {
      throw new RangeError(`maxFrameBytes: ${maxFrameBytes} (expected: an integer >= 0)`);
    }
    this.maxFrameBytes = maxFrameBytes;
    this.onFrame = onFrame;
    this.chunks = []; // bytes of an incomplete frame, prefix included
    this.buffered = 0;
    this.needed = -1; // prefix + body length of the incomplete frame, once its prefix is known
  }

  /** @param {Buffer} chunk */
  push(chunk) {
    if (this.chunks.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.needed < 0) this.needed = this.frameSize(Buffer.concat(this.chunks, this.buffered), 0);
      if (this.needed < 0 || this.buffered < this.needed) return;
      chunk = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [];
      this.buffered = 0;
      this.needed = -1;
    }
    let pos = 0;
    while (pos < chunk.length) {
      const size = this.frameSize(chunk, pos);
      if (size < 0 || chunk.length - pos < size) {
        const rest = chunk.subarray(pos);
        this.chunks.push(rest);
        this.buffered = rest.length;
        this.needed = size;
        return;
      }
      this.onFrame(chunk.subarray(pos + this.prefixBytes, pos + size));
      pos += size;
    }
  }

  /** True when no partial frame is buffered (a clean place for the stream to end). */
  isEmpty() {
    return this.buffered === 0;
  }

  /**
   * Prefix + body size of the frame at buf[pos] (also sets prefixBytes), or -1 when the prefix is
   * not whole yet. Throws FrameError for a bad prefix or a body over the limit.
   */
  frameSize(buf, pos) {
    let length = 0;
    for (let i = 0; ; i++) {
      if (pos + i === buf.length) return -1;
      if (i === 5) throw new FrameError(`length prefix longer than 5 bytes (expected: a varint32)`);
      const b = buf[pos + i];
      length += (b & 0x7f) * 2 ** (7 * i);
      if (b < 0x80) {
        if (length > 0xffffffff) throw new FrameError(`length prefix ${length} does not fit 32 bits`);
        if (length > this.maxFrameBytes) {
          throw new FrameError(`reply frame of ${length} bytes (expected: at most maxReplyFrameBytes = ${this.maxFrameBytes})`);
        }
        this.prefixBytes = i + 1;
        return i + 1 + length;
      }
    }
  }
}

/** Bytes of n as a varint. */
function varintSize(n) {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

module.exports = { FrameDecoder, FrameError, varintSize };
