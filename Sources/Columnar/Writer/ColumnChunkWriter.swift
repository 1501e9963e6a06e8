/// Encodes one column of the current row group into pages, buffered until the row group closes.
///
/// Values arrive as row ranges of `ColumnBuffer`s. They fill the current page (definition levels,
/// then PLAIN bytes or dictionary codes) until it reaches the page size or row limit; a full page is
/// compressed and kept, header first, as one buffer in `pages`. At the row-group boundary `finish` writes the
/// dictionary page (if any) and the pages to the file and returns the chunk's metadata.
///
/// ### Encoding modes
/// - `valueDictionary`: the caller's `ValueDictionary` codes go straight into RLE_DICTIONARY pages.
/// - `hashDictionary`: values are coded through a `HashDictionary`; when the first page shows more
///   than half its values distinct, or the dictionary outgrows `dictionaryPageSizeLimit`, the column
///   falls back to PLAIN: the pending page is re-encoded PLAIN and later pages stay PLAIN.
/// - `plain`.
struct ColumnChunkWriter {
    let column: Column
    let physicalType: PhysicalType
    private let options: WriterOptions
    private let isOptional: Bool
    private let tryDictionary: Bool

    private enum Mode { case plain, hashDictionary, valueDictionary }
    private var mode: Mode

    // The page being filled.
    private var pageRows = 0
    private var pageNonNull = 0
    private var levels: [UInt8] = []
    private var plainValues: [UInt8] = []
    private var codes: [UInt32] = []
    private var booleans: [UInt8] = []

    // The chunk being built.
    private var dictionary: HashDictionary?
    /// The finished pages of the open row group, one buffer each (header + compressed body):
    /// a list rather than one growing array, so that no page is ever copied again and memory
    /// follows the data instead of the next power of two.
    private var pages: [[UInt8]] = []
    private var pagesSize = 0
    private var pageBody: [UInt8] = []
    private var dataPageCount = [Encoding: Int32]()
    private var uncompressedSize: Int64 = 0
    private var compressedPagesSize: Int64 = 0
    private var numValues: Int64 = 0
    private var firstPageDone = false
    private var statistics = ColumnStatistics()
    private var minRank = UInt32.max, maxRank: UInt32 = 0

    init(column: Column, options: WriterOptions) {
        self.column = column
        self.physicalType = column.type.physicalType
        self.options = options
        self.isOptional = column.isOptional
        self.tryDictionary = column.encoding == .automatic && physicalType != .boolean
        if column.dictionary != nil {
            mode = .valueDictionary
        } else if tryDictionary {
            mode = .hashDictionary
            dictionary = HashDictionary(keys: ColumnChunkWriter.dictionaryKeys(for: column.type))
        } else {
            mode = .plain
        }
    }

    private static func dictionaryKeys(for type: ColumnType) -> HashDictionary.Keys {
        switch type.physicalType {
        case .int32: return .numeric(width: 4)
        case .int64, .double, .float: return .numeric(width: 8)
        case .fixedLenByteArray: return .fixedLength(type.fixedLength ?? 0)
        case .byteArray, .boolean: return .byteArray
        }
    }

    /// The bytes this column holds for the open row group: finished pages, the page being filled
    /// and the dictionary.
    var bufferedSize: Int {
        pagesSize + plainValues.count + codes.count * 4 + booleans.count / 8 + (dictionary?.plainSize ?? 0)
    }

    // MARK: Appending

    /// Encodes rows `rows` of `buffer`, closing pages as they fill.
    mutating func write(_ buffer: ColumnBuffer, rows: Range<Int>, compressor: Compressor) throws(ColumnarError) {
        var start = rows.lowerBound
        while start < rows.upperBound {
            let room = options.dataPageRowLimit - pageRows
            let end = min(rows.upperBound, start + min(room, rowsFittingInPage(buffer, from: start)))
            appendRows(buffer, start..<end)
            start = end
            // Before closing a page: a page never depends on a dictionary past its limit.
            if mode == .hashDictionary, let dictionary, dictionary.plainSize >= options.dictionaryPageSizeLimit {
                fallBackToPlain()
            }
            if pageRows >= options.dataPageRowLimit || pageBytes >= options.dataPageSizeLimit {
                try flushPage(compressor: compressor)
            }
        }
    }

    /// The encoded size of the page being filled.
    private var pageBytes: Int {
        switch mode {
        case .plain: return plainValues.count + booleans.count / 8
        case .hashDictionary, .valueDictionary: return codes.count * 4
        }
    }

    /// How many more rows from `start` can go into the current page before it reaches its size
    /// limit (at least 1; for byte arrays an estimate from the values' mean length).
    private func rowsFittingInPage(_ buffer: ColumnBuffer, from start: Int) -> Int {
        let room = max(options.dataPageSizeLimit - pageBytes, 1)
        let width: Int
        switch mode {
        case .hashDictionary, .valueDictionary: width = 4
        case .plain:
            switch buffer.storage {
            case .int32: width = 4
            case .int64, .double: width = 8
            case .boolean: width = 1
            case .fixedLenByteArray: width = max(buffer.fixedLength, 1)
            case .byteArray, .codes:
                let rows = buffer.count - start
                let bytes = buffer.offsets[buffer.count] - buffer.offsets[start]
                width = 4 + max(bytes / max(rows, 1), 1)
            }
        }
        return max(room / width, 1)
    }

    /// Appends rows `range` to the current page: levels, statistics, then values.
    private mutating func appendRows(_ buffer: ColumnBuffer, _ range: Range<Int>) {
        let nulls = buffer.validity.nullCount(in: range)
        if isOptional {
            if nulls == 0 {
                levels.append(contentsOf: repeatElement(1, count: range.count))
            } else {
                for row in range { levels.append(buffer.validity.isValid(row) ? 1 : 0) }
            }
        }
        pageRows += range.count
        pageNonNull += range.count - nulls
        numValues += Int64(range.count)
        statistics.nullCount += Int64(nulls)
        let allValid = nulls == 0
        switch buffer.storage {
        case .int32:
            buffer.int32s.withUnsafeBufferPointer { values in
                appendNumbers(values, range, buffer.validity, allValid) { UInt64(UInt32(bitPattern: $0)) } stat: { Int64($0) }
            }
        case .int64:
            buffer.int64s.withUnsafeBufferPointer { values in
                appendNumbers(values, range, buffer.validity, allValid) { UInt64(bitPattern: $0) } stat: { $0 }
            }
        case .double:
            buffer.doubles.withUnsafeBufferPointer { values in
                appendDoubles(values, range, buffer.validity, allValid)
            }
        case .boolean:
            for row in range where allValid || buffer.validity.isValid(row) {
                let value = buffer.bools[row]
                booleans.append(value ? 1 : 0)
                statistics.update(value)
            }
        case .byteArray:
            buffer.bytes.withUnsafeBytes { arena in
                for row in range where allValid || buffer.validity.isValid(row) {
                    let value = UnsafeRawBufferPointer(rebasing: arena[buffer.offsets[row]..<buffer.offsets[row + 1]])
                    appendBytes(value)
                }
            }
        case .fixedLenByteArray:
            let length = buffer.fixedLength
            buffer.bytes.withUnsafeBytes { arena in
                for row in range where allValid || buffer.validity.isValid(row) {
                    appendBytes(UnsafeRawBufferPointer(rebasing: arena[(row * length)..<((row + 1) * length)]))
                }
            }
        case .codes:
            let rank = column.dictionary!.rank
            for row in range where allValid || buffer.validity.isValid(row) {
                let code = buffer.codes[row]
                codes.append(code)
                let r = rank[Int(code)]
                if r < minRank { minRank = r }
                if r > maxRank { maxRank = r }
            }
        }
    }

    @inline(__always)
    private mutating func appendNumbers<T: FixedWidthInteger>(
        _ values: UnsafeBufferPointer<T>,
        _ range: Range<Int>,
        _ validity: ValidityBitmap,
        _ allValid: Bool,
        key: (T) -> UInt64,
        stat: (T) -> Int64
    ) {
        if mode == .hashDictionary {
            for row in range where allValid || validity.isValid(row) {
                codes.append(dictionary!.code(numeric: key(values[row])))
            }
            return
        }
        if allValid {
            appendPlain(UnsafeBufferPointer(rebasing: values[range]), to: &plainValues)
            for row in range { statistics.update(stat(values[row])) }
        } else {
            for row in range where validity.isValid(row) {
                appendLittleEndian(values[row], to: &plainValues)
                statistics.update(stat(values[row]))
            }
        }
    }

    @inline(__always)
    private mutating func appendDoubles(
        _ values: UnsafeBufferPointer<Double>,
        _ range: Range<Int>,
        _ validity: ValidityBitmap,
        _ allValid: Bool
    ) {
        if mode == .hashDictionary {
            for row in range where allValid || validity.isValid(row) {
                codes.append(dictionary!.code(numeric: values[row].bitPattern))
            }
            return
        }
        if allValid {
            appendPlain(UnsafeBufferPointer(rebasing: values[range]), to: &plainValues)
            for row in range { statistics.update(values[row]) }
        } else {
            for row in range where validity.isValid(row) {
                appendLittleEndian(values[row].bitPattern, to: &plainValues)
                statistics.update(values[row])
            }
        }
    }

    @inline(__always)
    private mutating func appendBytes(_ value: UnsafeRawBufferPointer) {
        if mode == .hashDictionary {
            codes.append(dictionary!.code(bytes: value))
            return
        }
        if physicalType == .byteArray {
            appendPlainByteArray(value, to: &plainValues)
        } else {
            plainValues.append(contentsOf: value)
        }
        statistics.update(bytes: value)
    }

    // MARK: Dictionary fallback

    /// Switches from the hash dictionary to PLAIN: the pending page's codes are re-encoded as PLAIN
    /// values; the dictionary's entries go into the statistics. The dictionary is kept for the
    /// dictionary page only if pages were already written with it.
    private mutating func fallBackToPlain() {
        guard mode == .hashDictionary, let dictionary else { return }
        foldDictionaryIntoStatistics(dictionary)
        for code in codes { dictionary.appendPlainEntry(Int(code), to: &plainValues) }
        codes.removeAll(keepingCapacity: true)
        mode = .plain
        if dataPageCount[.rleDictionary, default: 0] == 0 { self.dictionary = nil }
    }

    private mutating func foldDictionaryIntoStatistics(_ dictionary: HashDictionary) {
        switch physicalType {
        case .int32:
            for key in dictionary.numericKeys { statistics.update(Int64(Int32(truncatingIfNeeded: key))) }
        case .int64:
            for key in dictionary.numericKeys { statistics.update(Int64(bitPattern: key)) }
        case .double, .float:
            for key in dictionary.numericKeys { statistics.update(Double(bitPattern: key)) }
        case .byteArray, .fixedLenByteArray:
            for code in 0..<dictionary.count { dictionary.withEntry(code) { statistics.update(bytes: $0) } }
        case .boolean:
            break
        }
    }

    // MARK: Pages

    /// Closes the page being filled: levels and values into one body, compressed, header first.
    private mutating func flushPage(compressor: Compressor) throws(ColumnarError) {
        guard pageRows > 0 else { return }
        if mode == .hashDictionary && !firstPageDone, let dictionary, dictionary.count * 2 > pageNonNull {
            fallBackToPlain()
        }
        firstPageDone = true
        pageBody.removeAll(keepingCapacity: true)
        if isOptional {
            levels.withUnsafeBufferPointer { appendDefinitionLevels($0, to: &pageBody) }
        }
        let encoding: Encoding
        switch mode {
        case .plain:
            encoding = .plain
            if physicalType == .boolean {
                booleans.withUnsafeBufferPointer { appendPlainBooleans($0, to: &pageBody) }
            } else {
                pageBody.append(contentsOf: plainValues)
            }
        case .hashDictionary, .valueDictionary:
            encoding = .rleDictionary
            let entries = mode == .valueDictionary ? column.dictionary!.count : dictionary!.count
            let width = entries <= 1 ? 0 : bitWidth(of: UInt32(entries - 1))
            pageBody.append(UInt8(width))
            codes.withUnsafeBufferPointer { appendRLEHybrid($0, bitWidth: width, to: &pageBody) }
        }
        let header = DataPageHeader(numValues: Int32(pageRows), encoding: encoding)
        var page: [UInt8] = []
        try appendPage(.dataPage, body: pageBody, compressor: compressor, to: &page) {
            $0.dataPageHeader = header
        }
        pagesSize += page.count
        pages.append(page)
        dataPageCount[encoding, default: 0] += 1
        pageRows = 0
        pageNonNull = 0
        levels.removeAll(keepingCapacity: true)
        plainValues.removeAll(keepingCapacity: true)
        codes.removeAll(keepingCapacity: true)
        booleans.removeAll(keepingCapacity: true)
    }

    /// Compresses `body` and appends a page header and the compressed body to `out`; adds both
    /// sizes, headers included, to the chunk's totals.
    private mutating func appendPage(
        _ type: PageType,
        body: [UInt8],
        compressor: Compressor,
        to out: inout [UInt8],
        configure: (inout PageHeader) -> Void
    ) throws(ColumnarError) {
        guard body.count <= Int32.max else { throw .invalidData("column '\(column.name)': a page exceeds 2 GiB") }
        let before = out.count
        let headerSize = try withBytes(body) { (raw) throws(ColumnarError) -> Int in
            try compressor.withCompressed(raw) { (compressed) throws(ColumnarError) -> Int in
                var header = PageHeader(
                    type: type,
                    uncompressedPageSize: Int32(body.count),
                    compressedPageSize: Int32(compressed.count)
                )
                configure(&header)
                var w = CompactWriter()
                w.writeStruct(header.write)
                out.reserveCapacity(out.count + w.bytes.count + compressed.count)
                out.append(contentsOf: w.bytes)
                out.append(contentsOf: compressed)
                return w.bytes.count
            }
        }
        uncompressedSize += Int64(headerSize + body.count)
        compressedPagesSize += Int64(out.count - before)
    }

    // MARK: Closing the chunk

    /// Flushes the last page, writes the dictionary page (if any) and the data pages at the file's
    /// current offset, and returns the chunk's metadata. Then resets for the next row group.
    mutating func finish(to file: AtomicFile, compressor: Compressor) throws(ColumnarError) -> ColumnChunk {
        try flushPage(compressor: compressor)
        let start = file.offset
        var dictionaryPageOffset: Int64?
        var encodingStats: [PageEncodingStats] = []
        var dictionaryPage: [UInt8] = []
        var dictionaryPageLength = 0
        switch mode {
        case .valueDictionary:
            let values = column.dictionary!
            if minRank <= maxRank {
                for rank in [minRank, maxRank] {
                    values.entries[Int(values.byRank[Int(rank)])].withUnsafeBytes { statistics.update(bytes: $0) }
                }
            }
            pageBody.removeAll(keepingCapacity: true)
            for entry in values.entries { entry.withUnsafeBytes { appendPlainByteArray($0, to: &pageBody) } }
            try writeDictionaryPage(count: values.count, compressor: compressor, to: &dictionaryPage)
        case .hashDictionary, .plain:
            if let dictionary, dataPageCount[.rleDictionary, default: 0] > 0 {
                if mode == .hashDictionary { foldDictionaryIntoStatistics(dictionary) }
                pageBody.removeAll(keepingCapacity: true)
                dictionary.appendPlain(to: &pageBody)
                try writeDictionaryPage(count: dictionary.count, compressor: compressor, to: &dictionaryPage)
            }
        }
        if !dictionaryPage.isEmpty {
            dictionaryPageOffset = start
            dictionaryPageLength = dictionaryPage.count
            try file.write(dictionaryPage)
            encodingStats.append(PageEncodingStats(pageType: .dictionaryPage, encoding: .plain, count: 1))
        }
        let dataPageOffset = start + Int64(dictionaryPageLength)
        for page in pages { try file.write(page) }
        for encoding in [Encoding.plain, .rleDictionary] {
            if let count = dataPageCount[encoding] {
                encodingStats.append(PageEncodingStats(pageType: .dataPage, encoding: encoding, count: count))
            }
        }
        var encodings: [Encoding] = [.plain, .rle]
        if dictionaryPageOffset != nil { encodings.append(.rleDictionary) }
        let metadata = ColumnMetaData(
            type: physicalType,
            encodings: encodings,
            pathInSchema: [column.name],
            codec: options.codec,
            numValues: numValues,
            totalUncompressedSize: uncompressedSize,
            totalCompressedSize: compressedPagesSize,
            dataPageOffset: dataPageOffset,
            dictionaryPageOffset: dictionaryPageOffset,
            statistics: statistics.thrift(physicalType: physicalType),
            encodingStats: encodingStats
        )
        resetForNextRowGroup()
        return ColumnChunk(fileOffset: start, metaData: metadata)
    }

    private mutating func writeDictionaryPage(count: Int, compressor: Compressor, to out: inout [UInt8]) throws(ColumnarError) {
        let header = DictionaryPageHeader(numValues: Int32(count))
        try appendPage(.dictionaryPage, body: pageBody, compressor: compressor, to: &out) {
            $0.dictionaryPageHeader = header
        }
    }

    private mutating func resetForNextRowGroup() {
        pages.removeAll(keepingCapacity: true)
        pagesSize = 0
        dataPageCount.removeAll(keepingCapacity: true)
        uncompressedSize = 0
        compressedPagesSize = 0
        numValues = 0
        firstPageDone = false
        statistics.reset()
        minRank = .max
        maxRank = 0
        if column.dictionary != nil {
            mode = .valueDictionary
        } else if tryDictionary {
            mode = .hashDictionary
            if dictionary == nil {
                dictionary = HashDictionary(keys: ColumnChunkWriter.dictionaryKeys(for: column.type))
            } else {
                dictionary!.reset()
            }
        } else {
            mode = .plain
            dictionary = nil
        }
    }
}
