/// The encoders' inner loops, callable from the micro-benchmarks (`Benchmarks/`), which live in a
/// package of their own and see only public declarations. Each call encodes a whole batch, so the
/// call itself costs nothing measurable.
@_spi(Benchmarks)
public enum EncodingKernels {
    /// Appends `values` with the RLE/bit-packed hybrid at `bitWidth` bits per value (dictionary
    /// indices and levels).
    public static func rleHybrid(_ values: UnsafeBufferPointer<UInt32>, bitWidth: Int, to out: inout [UInt8]) {
        appendRLEHybrid(values, bitWidth: bitWidth, to: &out)
    }

    /// Appends `values` as one bit-packed run at `bitWidth` bits per value.
    public static func bitPacked(_ values: UnsafeBufferPointer<UInt32>, bitWidth: Int, to out: inout [UInt8]) {
        appendBitPacked(values, 0..<values.count, bitWidth: bitWidth, to: &out)
    }

    /// Appends one PLAIN BYTE_ARRAY value: a 4-byte length, then the bytes.
    public static func plainByteArray(_ value: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        appendPlainByteArray(value, to: &out)
    }
}
