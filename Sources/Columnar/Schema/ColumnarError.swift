/// Errors thrown by the Columnar module.
public enum ColumnarError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The schema cannot be written: the message names the column and the problem.
    case invalidSchema(String)
    /// A chunk does not match the writer's schema, or a value does not fit its column.
    case invalidData(String)
    /// A system call failed; `errno` is the C error number.
    case io(operation: String, path: String, errno: Int32)
    /// A codec reported an error.
    case compression(String)
    /// The writer was used after `close()` or after an earlier error.
    case writerClosed

    public var description: String {
        switch self {
        case .invalidSchema(let message): return "invalid schema: \(message)"
        case .invalidData(let message): return "invalid data: \(message)"
        case .io(let operation, let path, let code):
            return "\(operation) '\(path)' failed: \(systemErrorMessage(code)) (errno \(code))"
        case .compression(let message): return "compression failed: \(message)"
        case .writerClosed: return "the writer is closed"
        }
    }
}

/// Calls `body` with `array`'s bytes, keeping `body`'s typed error (`Array.withUnsafeBytes`
/// only rethrows untyped).
@inline(__always)
package func withBytes<R>(
    _ array: [UInt8],
    _ body: (UnsafeRawBufferPointer) throws(ColumnarError) -> R
) throws(ColumnarError) -> R {
    let result: Result<R, ColumnarError> = array.withUnsafeBytes { raw in
        Result { () throws(ColumnarError) -> R in try body(raw) }
    }
    return try result.get()
}
