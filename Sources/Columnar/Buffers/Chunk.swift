/// A fixed-capacity batch of rows: one `ColumnBuffer` per column of a schema.
///
/// A producer fills a chunk column by column (or row by row), hands it to a writer, then calls
/// `reset()` and fills it again: the buffers keep their memory, so a steady stream of chunks
/// allocates nothing after the first.
public struct Chunk: Sendable {
    public let schema: Schema
    /// The buffers, in schema order.
    public var columns: [ColumnBuffer]
    /// The number of rows the buffers were sized for.
    public let capacity: Int

    /// The default chunk capacity: 64 Ki rows.
    public static let defaultCapacity = 64 * 1024

    public init(schema: Schema, capacity: Int = Chunk.defaultCapacity) {
        self.schema = schema
        self.capacity = capacity
        self.columns = schema.columns.map { ColumnBuffer(column: $0, capacity: capacity) }
    }

    /// The number of rows: that of the first column (`validate()` checks that every column agrees).
    public var rowCount: Int { columns.first?.count ?? 0 }

    /// Whether the chunk holds `capacity` rows or more.
    public var isFull: Bool { rowCount >= capacity }

    /// Empties every column, keeping the memory.
    public mutating func reset() {
        for i in columns.indices { columns[i].reset() }
    }

    /// Checks that every column has the same row count and that coded columns stay in their dictionary.
    public func validate() throws(ColumnarError) {
        let rows = rowCount
        for buffer in columns {
            if buffer.count != rows {
                throw .invalidData("column '\(buffer.column.name)' has \(buffer.count) rows where the chunk has \(rows)")
            }
            try buffer.validate()
        }
    }
}
