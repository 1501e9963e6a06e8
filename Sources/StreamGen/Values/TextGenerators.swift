import Columnar

/// The values of a `TextKind`. Kinds backed by one list are categorical (dictionary-coded in
/// the file); composed kinds (full names, addresses, URLs, phone numbers) are built in place.
final class TextGenerator: Generator, @unchecked Sendable {
    let textKind: TextKind
    /// The list and weights of a categorical kind.
    let list: WordList?
    let table: AliasTable?
    let values: [String]?

    init(key: StreamKey, kind: TextKind) {
        self.textKind = kind
        let (list, weights) = TextGenerator.categoricalList(kind)
        self.list = list
        self.table = list.map { AliasTable(weights: weights ?? Array(repeating: 1, count: $0.count)) }
        self.values = list?.words
        super.init(kind: .text, key: key)
    }

    static func categoricalList(_ kind: TextKind) -> (WordList?, [Double]?) {
        switch kind {
        case .firstName: return (Words.firstNames, nil)
        case .lastName: return (Words.lastNames, nil)
        case .state: return (Words.usStates, nil)
        case .country: return (Words.countryCodes, Words.countryWeights)
        case .countryName: return (Words.countryNames, Words.countryWeights)
        case .productCategory: return (Words.productCategories, nil)
        case .brand: return (Words.brands, nil)
        case .department: return (Words.departments, nil)
        case .jobTitle: return (Words.jobTitles, nil)
        case .word: return (Words.words, nil)
        case .referrer: return (Words.referrers, Words.referrerWeights)
        case .browser: return (Words.browsers, Words.browserWeights)
        case .deviceType: return (Words.deviceTypes, Words.deviceWeights)
        case .userAgent: return (Words.userAgents, nil)
        case .color: return (Words.colors, nil)
        case .fullName, .company, .city, .postalCode, .streetAddress, .address, .phone, .productName, .urlPath, .url, .ipv4:
            return (nil, nil)
        }
    }

    override var categories: [String]? { values }

    override func code(_ row: Int) -> Int {
        var rng = key.cell(row)
        return table!.sample(&rng)
    }

    override func appendText(_ row: Int, to out: inout [UInt8]) {
        var rng = key.cell(row)
        if let list, let table {
            list.append(table.sample(&rng), to: &out)
            return
        }
        switch textKind {
        case .fullName:
            Words.firstNames.append(rng.nextIndex(Words.firstNames.count), to: &out)
            out.append(0x20)
            Words.lastNames.append(rng.nextIndex(Words.lastNames.count), to: &out)
        case .company:
            Words.companyParts.append(rng.nextIndex(Words.companyParts.count), to: &out)
            out.append(0x20)
            Words.companySuffixes.append(rng.nextIndex(Words.companySuffixes.count), to: &out)
        case .city:
            Words.places.append(4 * rng.nextIndex(Words.places.count / 4), to: &out)
        case .postalCode:
            appendPostalCode(place: rng.nextIndex(Words.places.count / 4), &rng, to: &out)
        case .streetAddress:
            appendStreet(&rng, to: &out)
        case .address:
            appendStreet(&rng, to: &out)
            let place = rng.nextIndex(Words.places.count / 4)
            out.append(contentsOf: [0x2C, 0x20])
            Words.places.append(4 * place, to: &out)
            out.append(contentsOf: [0x2C, 0x20])
            Words.places.append(4 * place + 1, to: &out)
            out.append(0x20)
            appendPostalCode(place: place, &rng, to: &out)
            out.append(contentsOf: [0x2C, 0x20])
            Words.places.append(4 * place + 2, to: &out)
        case .phone:
            // +1-AAA-555-01XX is reserved for fiction; real-looking but never a real line.
            out.append(contentsOf: "+1-".utf8)
            Words.areaCodes.append(rng.nextIndex(Words.areaCodes.count), to: &out)
            out.append(contentsOf: "-555-01".utf8)
            var n = UInt64(rng.nextIndex(100))
            appendDigits(&n, minimumWidth: 2, to: &out)
        case .productName:
            Words.productAdjectives.append(rng.nextIndex(Words.productAdjectives.count), to: &out)
            out.append(0x20)
            Words.productMaterials.append(rng.nextIndex(Words.productMaterials.count), to: &out)
            out.append(0x20)
            Words.productNouns.append(rng.nextIndex(Words.productNouns.count), to: &out)
        case .urlPath:
            appendPath(&rng, to: &out)
        case .url:
            out.append(contentsOf: "https://www.".utf8)
            Words.domains.append(rng.nextIndex(Words.domains.count), to: &out)
            appendPath(&rng, to: &out)
        case .ipv4:
            // Documentation and private ranges only: 10/8, 172.16/12, 192.168/16, 198.51.100/24, 203.0.113/24.
            let bits = rng.next()
            let octets: [UInt64]
            switch bits % 5 {
            case 0: octets = [10, (bits >> 8) & 255, (bits >> 16) & 255, (bits >> 24) % 254 + 1]
            case 1: octets = [172, 16 + (bits >> 8) % 16, (bits >> 16) & 255, (bits >> 24) % 254 + 1]
            case 2: octets = [192, 168, (bits >> 16) & 255, (bits >> 24) % 254 + 1]
            case 3: octets = [198, 51, 100, (bits >> 24) % 254 + 1]
            default: octets = [203, 0, 113, (bits >> 24) % 254 + 1]
            }
            for (i, o) in octets.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ".")) }
                var v = o
                appendDigits(&v, minimumWidth: 1, to: &out)
            }
        default:
            preconditionFailure("categorical kind \(textKind) has a list")
        }
    }

    private func appendStreet(_ rng: inout SplitMix64, to out: inout [UInt8]) {
        appendDecimalDigits(Int64(1 + rng.nextIndex(9899)), to: &out)
        out.append(0x20)
        Words.streets.append(rng.nextIndex(Words.streets.count), to: &out)
        out.append(0x20)
        Words.streetSuffixes.append(rng.nextIndex(Words.streetSuffixes.count), to: &out)
    }

    private func appendPostalCode(place: Int, _ rng: inout SplitMix64, to out: inout [UInt8]) {
        Words.places.append(4 * place + 3, to: &out)
        var n = UInt64(rng.nextIndex(100))
        appendDigits(&n, minimumWidth: 2, to: &out)
    }

    /// A weighted path; `{id}` becomes a number, `{word}` a word.
    private func appendPath(_ rng: inout SplitMix64, to out: inout [UInt8]) {
        let i = TextGenerator.pathTable.sample(&rng)
        let list = Words.urlPaths
        var k = list.offsets[i]
        let end = list.offsets[i + 1]
        while k < end {
            let b = list.bytes[k]
            if b == UInt8(ascii: "{") {
                if list.bytes[k + 1] == UInt8(ascii: "i") {
                    appendDecimalDigits(Int64(1 + rng.nextIndex(5000)), to: &out)
                    k += 4
                } else {
                    Words.words.append(rng.nextIndex(Words.words.count), to: &out)
                    k += 6
                }
            } else {
                out.append(b)
                k += 1
            }
        }
    }

    static let pathTable = AliasTable(weights: Words.urlPathWeights)
}

/// An email unique per row: the local part ends with the row number after a letter, so two
/// rows never share one. Built from the row's own name columns when the table has them.
final class EmailGenerator: Generator, @unchecked Sendable {
    let firstName: Generator?
    let lastName: Generator?
    let domains = AliasTable(weights: Words.emailDomainWeights)

    init(key: StreamKey, firstName: Generator?, lastName: Generator?) {
        self.firstName = firstName
        self.lastName = lastName
        super.init(kind: .text, key: key)
    }
    override var isHighCardinality: Bool { true }

    override func appendText(_ row: Int, to out: inout [UInt8]) {
        var rng = key.cell(row)
        // The draws keep their order: first name, last name, style, domain.
        let firstStart = out.count
        if let firstName { firstName.appendText(row, to: &out) } else { Words.firstNames.append(rng.nextIndex(Words.firstNames.count), to: &out) }
        let lastStart = out.count
        if let lastName { lastName.appendText(row, to: &out) } else { Words.lastNames.append(rng.nextIndex(Words.lastNames.count), to: &out) }
        let end = out.count
        let style = rng.nextIndex(4)
        // Rewrite the two names in place: lowercase letters only, the first name cut to its
        // initial in style 2, a separator between them in styles 0 and 1, the last name dropped in 3.
        var write = keepLetters(of: &out, from: firstStart, to: lastStart, at: firstStart, limit: style == 2 ? 1 : nil)
        switch style {
        case 0, 1:
            // The separator goes where the last name starts; shift that name right by one first.
            out.insert(style == 0 ? UInt8(ascii: ".") : UInt8(ascii: "_"), at: write)
            write = keepLetters(of: &out, from: lastStart + 1, to: end + 1, at: write + 1, limit: nil)
        case 2:
            write = keepLetters(of: &out, from: lastStart, to: end, at: write, limit: nil)
        default:
            break
        }
        out.removeSubrange(write...)
        appendDecimalDigits(Int64(row) + 1, to: &out)
        out.append(UInt8(ascii: "@"))
        Words.emailDomains.append(domains.sample(&rng), to: &out)
    }

    /// Copies the ASCII letters of `out[from..<to]`, lowercased, to `out[at...]` (`at` ≤ `from`),
    /// at most `limit` of them; returns the position after the last one written.
    private func keepLetters(of out: inout [UInt8], from: Int, to: Int, at: Int, limit: Int?) -> Int {
        var write = at
        var kept = 0
        for read in from..<to {
            let b = out[read]
            guard (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) else { continue }
            out[write] = b | 0x20
            write += 1
            kept += 1
            if let limit, kept == limit { break }
        }
        return write
    }
}
