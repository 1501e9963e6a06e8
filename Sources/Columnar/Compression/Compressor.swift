import CSnappy
import CZstd

/// Compresses page bodies with one codec, reusing its context and output buffer.
///
/// One `Compressor` belongs to one writer (one worker): it holds a `ZSTD_CCtx` and a scratch buffer
/// that grows to the largest page seen and is then reused, so compressing a page allocates nothing.
/// - Note: not thread-safe; give each thread its own.
public final class Compressor {
    public let codec: CompressionCodec
    /// The zstd level (ignored by other codecs).
    public let level: Int32
    private var zstdContext: OpaquePointer?
    private var scratch: [UInt8] = []
    /// Nanoseconds spent in the codec so far (a writer reads it before and after its calls).
    public private(set) var nanoseconds: UInt64 = 0

    /// The default zstd level: 3, zstd's own default.
    public static let defaultZstdLevel: Int32 = 3

    /// Creates a compressor; for zstd, creates its context (`ZSTD_createCCtx`).
    public init(codec: CompressionCodec, level: Int32 = Compressor.defaultZstdLevel) {
        self.codec = codec
        self.level = level
        if codec == .zstd { zstdContext = ZSTD_createCCtx() }
    }

    deinit {
        if let zstdContext { ZSTD_freeCCtx(zstdContext) }
    }

    /// Compresses `input` and passes the compressed bytes to `body`; for `.uncompressed`, passes
    /// `input` itself. The bytes are valid only inside `body`.
    ///
    /// Calls `snappy_compress` or `ZSTD_compressCCtx`.
    public func withCompressed<R>(
        _ input: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer) throws(ColumnarError) -> R
    ) throws(ColumnarError) -> R {
        switch codec {
        case .uncompressed:
            return try body(input)
        case .snappy:
            let bound = snappy_max_compressed_length(input.count)
            if scratch.count < bound { scratch = [UInt8](repeating: 0, count: bound) }
            var written = bound
            let start = MonotonicClock.nanoseconds()
            let status = scratch.withUnsafeMutableBytes { out in
                snappy_compress(
                    input.baseAddress?.assumingMemoryBound(to: CChar.self),
                    input.count,
                    out.baseAddress!.assumingMemoryBound(to: CChar.self),
                    &written
                )
            }
            nanoseconds &+= MonotonicClock.since(start)
            guard status == SNAPPY_OK else { throw .compression("snappy status \(status.rawValue)") }
            return try withBytes(scratch) { out throws(ColumnarError) in
                try body(UnsafeRawBufferPointer(rebasing: out[0..<written]))
            }
        case .zstd:
            let bound = ZSTD_compressBound(input.count)
            if scratch.count < bound { scratch = [UInt8](repeating: 0, count: bound) }
            let context = zstdContext
            let level = level
            let start = MonotonicClock.nanoseconds()
            let written = scratch.withUnsafeMutableBytes { out in
                ZSTD_compressCCtx(context, out.baseAddress, bound, input.baseAddress, input.count, level)
            }
            nanoseconds &+= MonotonicClock.since(start)
            if ZSTD_isError(written) != 0 {
                throw .compression("zstd: \(String(cString: ZSTD_getErrorName(written)))")
            }
            return try withBytes(scratch) { out throws(ColumnarError) in
                try body(UnsafeRawBufferPointer(rebasing: out[0..<written]))
            }
        }
    }

    /// Decompresses `input`, which must expand to exactly `uncompressedSize` bytes.
    /// For tests and tools; calls `snappy_uncompress` or `ZSTD_decompress`.
    public static func decompress(
        _ input: UnsafeRawBufferPointer,
        codec: CompressionCodec,
        uncompressedSize: Int
    ) throws(ColumnarError) -> [UInt8] {
        switch codec {
        case .uncompressed:
            return Array(input)
        case .snappy:
            var out = [UInt8](repeating: 0, count: uncompressedSize)
            var length = uncompressedSize
            let status = out.withUnsafeMutableBytes {
                snappy_uncompress(
                    input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count,
                    $0.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
            }
            guard status == SNAPPY_OK, length == uncompressedSize else {
                throw .compression("snappy could not decompress (status \(status.rawValue))")
            }
            return out
        case .zstd:
            var out = [UInt8](repeating: 0, count: uncompressedSize)
            let n = out.withUnsafeMutableBytes {
                ZSTD_decompress($0.baseAddress, uncompressedSize, input.baseAddress, input.count)
            }
            guard ZSTD_isError(n) == 0, n == uncompressedSize else {
                throw .compression("zstd could not decompress")
            }
            return out
        }
    }
}
