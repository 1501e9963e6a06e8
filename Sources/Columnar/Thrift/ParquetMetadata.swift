// The Parquet footer and page-header structs of `parquet.thrift` (apache/parquet-format), with the
// fields this writer emits. Field ids are the IDL's; each `write(to:)` emits them in ascending order.

/// `PageType`.
enum PageType: Int32 {
    case dataPage = 0
    case dictionaryPage = 2
}

/// `Statistics`: min/max are PLAIN-encoded values without a length prefix.
struct Statistics {
    var nullCount: Int64
    var distinctCount: Int64?
    var maxValue: [UInt8]?
    var minValue: [UInt8]?
    var isMaxValueExact: Bool?
    var isMinValueExact: Bool?
    /// Whether to repeat min/max in the deprecated signed-order fields 1/2 (signed-order types only).
    var writeDeprecated = false

    func write(to w: inout CompactWriter) {
        if writeDeprecated, let maxValue { w.field(1, binary: maxValue) }
        if writeDeprecated, let minValue { w.field(2, binary: minValue) }
        w.field(3, i64: nullCount)
        if let distinctCount { w.field(4, i64: distinctCount) }
        if let maxValue { w.field(5, binary: maxValue) }
        if let minValue { w.field(6, binary: minValue) }
        if let isMaxValueExact { w.field(7, bool: isMaxValueExact) }
        if let isMinValueExact { w.field(8, bool: isMinValueExact) }
    }
}

/// `DataPageHeader` (v1).
struct DataPageHeader {
    var numValues: Int32
    var encoding: Encoding
    var definitionLevelEncoding: Encoding = .rle
    var repetitionLevelEncoding: Encoding = .rle

    func write(to w: inout CompactWriter) {
        w.field(1, i32: numValues)
        w.field(2, i32: encoding.rawValue)
        w.field(3, i32: definitionLevelEncoding.rawValue)
        w.field(4, i32: repetitionLevelEncoding.rawValue)
    }
}

/// `DictionaryPageHeader`.
struct DictionaryPageHeader {
    var numValues: Int32
    var encoding: Encoding = .plain
    var isSorted: Bool = false

    func write(to w: inout CompactWriter) {
        w.field(1, i32: numValues)
        w.field(2, i32: encoding.rawValue)
        w.field(3, bool: isSorted)
    }
}

/// `PageHeader`: page sizes exclude the header itself.
struct PageHeader {
    var type: PageType
    var uncompressedPageSize: Int32
    var compressedPageSize: Int32
    var dataPageHeader: DataPageHeader?
    var dictionaryPageHeader: DictionaryPageHeader?

    func write(to w: inout CompactWriter) {
        w.field(1, i32: type.rawValue)
        w.field(2, i32: uncompressedPageSize)
        w.field(3, i32: compressedPageSize)
        if let dataPageHeader { w.field(5, struct: dataPageHeader.write) }
        if let dictionaryPageHeader { w.field(7, struct: dictionaryPageHeader.write) }
    }
}

/// `PageEncodingStats`.
struct PageEncodingStats: Hashable {
    var pageType: PageType
    var encoding: Encoding
    var count: Int32

    func write(to w: inout CompactWriter) {
        w.field(1, i32: pageType.rawValue)
        w.field(2, i32: encoding.rawValue)
        w.field(3, i32: count)
    }
}

/// `ColumnMetaData`: both total sizes include the page headers.
struct ColumnMetaData {
    var type: PhysicalType
    var encodings: [Encoding]
    var pathInSchema: [String]
    var codec: CompressionCodec
    var numValues: Int64
    var totalUncompressedSize: Int64
    var totalCompressedSize: Int64
    var dataPageOffset: Int64
    var dictionaryPageOffset: Int64?
    var statistics: Statistics
    var encodingStats: [PageEncodingStats]

    func write(to w: inout CompactWriter) {
        w.field(1, i32: type.rawValue)
        w.field(2, i32List: encodings.map(\.rawValue))
        w.field(3, stringList: pathInSchema)
        w.field(4, i32: codec.rawValue)
        w.field(5, i64: numValues)
        w.field(6, i64: totalUncompressedSize)
        w.field(7, i64: totalCompressedSize)
        w.field(9, i64: dataPageOffset)
        if let dictionaryPageOffset { w.field(11, i64: dictionaryPageOffset) }
        w.field(12, struct: statistics.write)
        w.field(13, list: .struct, count: encodingStats.count) { w, i in encodingStats[i].write(to: &w) }
    }
}

/// `ColumnChunk`: `file_offset` is the chunk's first byte (parquet-mr's choice); `meta_data` always set.
struct ColumnChunk {
    var fileOffset: Int64
    var metaData: ColumnMetaData

    func write(to w: inout CompactWriter) {
        w.field(2, i64: fileOffset)
        w.field(3, struct: metaData.write)
    }
}

/// `RowGroup`.
struct RowGroup {
    var columns: [ColumnChunk]
    var totalByteSize: Int64
    var numRows: Int64
    var fileOffset: Int64
    var totalCompressedSize: Int64
    var ordinal: Int16

    func write(to w: inout CompactWriter) {
        w.field(1, list: .struct, count: columns.count) { w, i in columns[i].write(to: &w) }
        w.field(2, i64: totalByteSize)
        w.field(3, i64: numRows)
        w.field(5, i64: fileOffset)
        w.field(6, i64: totalCompressedSize)
        w.field(7, i16: ordinal)
    }
}

/// `FileMetaData`, the footer.
struct FileMetaData {
    var schema: Schema
    var numRows: Int64
    var rowGroups: [RowGroup]
    var keyValueMetadata: [(key: String, value: String)]
    var createdBy: String
    /// JSON columns annotated STRING (`WriterOptions.jsonAsString`).
    var jsonAsString = false

    func write(to w: inout CompactWriter) {
        w.field(1, i32: 1)
        // The schema list: the root group, then one leaf per column.
        w.field(2, list: .struct, count: schema.count + 1) { w, i in
            if i == 0 {
                w.field(4, string: "schema")
                w.field(5, i32: Int32(schema.count))
            } else {
                SchemaElement(column: schema.columns[i - 1], jsonAsString: jsonAsString).write(to: &w)
            }
        }
        w.field(3, i64: numRows)
        w.field(4, list: .struct, count: rowGroups.count) { w, i in rowGroups[i].write(to: &w) }
        if !keyValueMetadata.isEmpty {
            w.field(5, list: .struct, count: keyValueMetadata.count) { w, i in
                w.field(1, string: keyValueMetadata[i].key)
                w.field(2, string: keyValueMetadata[i].value)
            }
        }
        w.field(6, string: createdBy)
        // column_orders: TYPE_DEFINED_ORDER for every leaf, so parquet-java trusts min_value/max_value.
        w.field(7, list: .struct, count: schema.count) { w, _ in w.field(1, emptyStruct: ()) }
    }
}

/// `SchemaElement` for one flat leaf column, with both its ConvertedType and its LogicalType.
struct SchemaElement {
    let column: Column
    var jsonAsString = false

    /// ConvertedType values of `parquet.thrift`.
    private enum ConvertedType: Int32 {
        case utf8 = 0
        case decimal = 5
        case date = 6
        case timestampMicros = 10
        case json = 19
    }

    func write(to w: inout CompactWriter) {
        let type = jsonAsString && column.type == .json ? ColumnType.string : column.type
        w.field(1, i32: type.physicalType.rawValue)
        if let length = type.fixedLength { w.field(2, i32: Int32(length)) }
        w.field(3, i32: column.repetition.rawValue)
        w.field(4, string: column.name)
        switch type {
        case .string, .uuid(.string): w.field(6, i32: ConvertedType.utf8.rawValue)
        case .json: w.field(6, i32: ConvertedType.json.rawValue)
        case .date: w.field(6, i32: ConvertedType.date.rawValue)
        case .timestamp: w.field(6, i32: ConvertedType.timestampMicros.rawValue)
        case .decimal(let precision, let scale):
            w.field(6, i32: ConvertedType.decimal.rawValue)
            w.field(7, i32: Int32(scale))
            w.field(8, i32: Int32(precision))
        default: break
        }
        // LogicalType union members: 1 STRING, 5 DECIMAL, 6 DATE, 8 TIMESTAMP, 12 JSON, 14 UUID.
        switch type {
        case .string, .uuid(.string): w.field(10, struct: { $0.field(1, emptyStruct: ()) })
        case .json: w.field(10, struct: { $0.field(12, emptyStruct: ()) })
        case .uuid(.fixed16): w.field(10, struct: { $0.field(14, emptyStruct: ()) })
        case .date: w.field(10, struct: { $0.field(6, emptyStruct: ()) })
        case .timestamp(let isAdjustedToUTC):
            w.field(10, struct: {
                $0.field(8, struct: {
                    $0.field(1, bool: isAdjustedToUTC)
                    $0.field(2, struct: { $0.field(2, emptyStruct: ()) })  // TimeUnit.MICROS
                })
            })
        case .decimal(let precision, let scale):
            w.field(10, struct: {
                $0.field(5, struct: {
                    $0.field(1, i32: Int32(scale))
                    $0.field(2, i32: Int32(precision))
                })
            })
        default: break
        }
    }
}
