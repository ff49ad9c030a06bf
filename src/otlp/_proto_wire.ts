/**
 * The protobuf wire format, as little of it as OTLP needs: a bounds-checked reader that throws
 * OtlpDecodeError with the field path and byte offset, and a writer for the small response
 * messages. No schema knowledge lives here. Private to the folder.
 */
import { OtlpDecodeError } from "./_types.ts";

/** Wire type of varint fields (ints, bools, enums). */
export const VARINT = 0;
/** Wire type of 8-byte fields (fixed64, double). */
export const I64 = 1;
/** Wire type of length-delimited fields (strings, bytes, sub-messages). */
export const LEN = 2;
const SGROUP = 3;
const EGROUP = 4;
const I32 = 5;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Minimal protobuf wire-format reader over one message's bytes. */
export class ProtoReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array, readonly where: string) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  fail(message: string): never {
    throw new OtlpDecodeError(`${this.where}: ${message} (at byte ${this.pos})`);
  }

  private byte(): number {
    if (this.pos >= this.buf.length) this.fail("truncated message");
    return this.buf[this.pos++];
  }

  /** Varint as a number: exact for tags and lengths, which never approach 2^53. */
  uint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    this.fail("varint longer than 10 bytes");
  }

  /** Varint as an unsigned 64-bit bigint; callers reinterpret the sign as the field type says. */
  varint64(): bigint {
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) return BigInt.asUintN(64, result);
    }
    this.fail("varint longer than 10 bytes");
  }

  tag(): { field: number; wire: number } {
    const t = this.uint();
    const field = Math.floor(t / 8);
    if (field === 0) this.fail("field number 0 is invalid");
    return { field, wire: t % 8 };
  }

  private take(n: number): Uint8Array {
    if (n > this.buf.length - this.pos) this.fail("truncated message");
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  bytes(): Uint8Array {
    return this.take(this.uint());
  }

  string(): string {
    const bytes = this.bytes();
    try {
      return utf8.decode(bytes);
    } catch {
      this.fail("string is not valid UTF-8");
    }
  }

  fixed64(): bigint {
    const b = this.take(8);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  }

  double(): number {
    const b = this.take(8);
    return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
  }

  fixed32(): number {
    const b = this.take(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }

  /** Skips a field we do not model, so newer senders with extra fields still decode. */
  skip(wire: number, field: number): void {
    switch (wire) {
      case VARINT:
        this.varint64();
        return;
      case I64:
        this.take(8);
        return;
      case LEN:
        this.bytes();
        return;
      case I32:
        this.take(4);
        return;
      case SGROUP:
        // Deprecated groups: skip nested fields until the matching end-group tag.
        for (;;) {
          const t = this.tag();
          if (t.wire === EGROUP) {
            if (t.field !== field) this.fail("mismatched end-group tag");
            return;
          }
          this.skip(t.wire, t.field);
        }
      default:
        this.fail(`unexpected wire type ${wire} for field ${field}`);
    }
  }

  /** Guards a known field: a different wire type means the bytes are not this message. */
  expect(wire: number, want: number, field: number): void {
    if (wire !== want) this.fail(`field ${field} has wire type ${wire}, expected ${want}`);
  }

  sub(where: string): ProtoReader {
    return new ProtoReader(this.bytes(), `${this.where}.${where}`);
  }
}

/** Minimal protobuf writer for the small response messages. */
export class ProtoWriter {
  private readonly parts: number[] = [];

  private varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.parts.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.parts.push(Number(x));
  }

  private tag(field: number, wire: number): void {
    this.varint(BigInt(field * 8 + wire));
  }

  varintField(field: number, v: bigint): void {
    this.tag(field, VARINT);
    this.varint(v);
  }

  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, LEN);
    this.varint(BigInt(bytes.length));
    for (const b of bytes) this.parts.push(b);
  }

  stringField(field: number, s: string): void {
    this.bytesField(field, new TextEncoder().encode(s));
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}
