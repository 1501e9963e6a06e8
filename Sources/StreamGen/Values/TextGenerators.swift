import Columnar

/// The values of a `TextKind`. Kinds backed by one list are categorical (dictionary-coded in
/// the file); composed kinds (full names, addresses, URLs, phone numbers) are built in place.
final class TextGenerator: Generator {
    let textKind: TextKind
    /// The list and weights of a categorical kind.
    let list: WordList?
    let table: AliasTable?

    init(key: StreamKey, kind: TextKind) {
        self.textKind = kind
        let (list, weights) = TextGenerator.categoricalList(kind)
        self.list = list
        self.table = list.map { AliasTable(weights: weights ?? Array(repeating: 1, count: $0.count)) }
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

    override var categories: [String]? { list?.words }

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
            out.append(contentsOf: Array("+1-".utf8))
            Words.areaCodes.append(rng.nextIndex(Words.areaCodes.count), to: &out)
            out.append(contentsOf: Array("-555-01".utf8))
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
            out.append(contentsOf: Array("https://www.".utf8))
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
final class EmailGenerator: Generator {
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
        var first: [UInt8] = []
        var last: [UInt8] = []
        if let firstName { firstName.appendText(row, to: &first) } else { Words.firstNames.append(rng.nextIndex(Words.firstNames.count), to: &first) }
        if let lastName { lastName.appendText(row, to: &last) } else { Words.lastNames.append(rng.nextIndex(Words.lastNames.count), to: &last) }
        let style = rng.nextIndex(4)
        appendLower(first, to: &out, whole: style != 2)
        switch style {
        case 0: out.append(UInt8(ascii: ".")); appendLower(last, to: &out, whole: true)
        case 1: out.append(UInt8(ascii: "_")); appendLower(last, to: &out, whole: true)
        case 2: appendLower(last, to: &out, whole: true)
        default: break
        }
        appendDecimalDigits(Int64(row) + 1, to: &out)
        out.append(UInt8(ascii: "@"))
        Words.emailDomains.append(domains.sample(&rng), to: &out)
    }

    /// Appends the letters of `word` in lowercase (only the first when `whole` is false).
    private func appendLower(_ word: [UInt8], to out: inout [UInt8], whole: Bool) {
        for b in word {
            if b >= 0x41 && b <= 0x5A { out.append(b | 0x20) } else if b >= 0x61 && b <= 0x7A { out.append(b) } else { continue }
            if !whole { return }
        }
    }
}
