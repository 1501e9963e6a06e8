import Columnar

/// A list of words held as one byte arena and offsets, built once from a `|`-separated literal:
/// values are copied straight into a column's arena, never through `String`.
public struct WordList: Sendable {
    let bytes: [UInt8]
    let offsets: [Int]

    public init(_ literal: String) {
        var bytes: [UInt8] = []
        var offsets = [0]
        for byte in literal.utf8 {
            if byte == UInt8(ascii: "|") {
                offsets.append(bytes.count)
            } else if byte != UInt8(ascii: "\n") {
                bytes.append(byte)
            }
        }
        offsets.append(bytes.count)
        self.bytes = bytes
        self.offsets = offsets
    }

    public var count: Int { offsets.count - 1 }

    /// Appends word `i`.
    @inline(__always)
    public func append(_ i: Int, to out: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { out.append(contentsOf: $0[offsets[i]..<offsets[i + 1]]) }
    }

    /// Appends word `i` in lowercase, letters only (for emails and URLs).
    @inline(__always)
    public func appendSlug(_ i: Int, to out: inout [UInt8]) {
        for k in offsets[i]..<offsets[i + 1] {
            let b = bytes[k]
            if b >= 0x41 && b <= 0x5A { out.append(b | 0x20) } else if b >= 0x61 && b <= 0x7A { out.append(b) }
        }
    }

    /// Word `i` as a `String` (lists, tests).
    public func word(_ i: Int) -> String { String(decoding: bytes[offsets[i]..<offsets[i + 1]], as: UTF8.self) }

    public var words: [String] { (0..<count).map(word) }
}

/// The word lists behind `TextKind`: compact, written for StreamGen, not a port of any faker.
@_spi(Benchmarks)
public enum Words {
    public static let firstNames = WordList("""
    James|Mary|Robert|Patricia|John|Jennifer|Michael|Linda|David|Elizabeth|William|Barbara|Richard|Susan|Joseph|\
    Jessica|Thomas|Sarah|Christopher|Karen|Charles|Lisa|Daniel|Nancy|Matthew|Betty|Anthony|Sandra|Mark|Margaret|\
    Donald|Ashley|Steven|Kimberly|Andrew|Emily|Paul|Donna|Joshua|Michelle|Kenneth|Carol|Kevin|Amanda|Brian|Melissa|\
    George|Deborah|Timothy|Stephanie|Ronald|Rebecca|Jason|Sharon|Edward|Laura|Jeffrey|Cynthia|Ryan|Dorothy|Jacob|\
    Amy|Gary|Kathleen|Nicholas|Angela|Eric|Shirley|Jonathan|Emma|Stephen|Brenda|Larry|Pamela|Justin|Nicole|Scott|\
    Anna|Brandon|Samantha|Benjamin|Katherine|Samuel|Christine|Gregory|Debra|Alexander|Rachel|Patrick|Carolyn|Frank|\
    Janet|Raymond|Maria|Jack|Olivia|Dennis|Heather|Jerry|Helen|Tyler|Catherine|Aaron|Diane|Jose|Julie|Adam|Victoria|\
    Nathan|Joyce|Henry|Lauren|Zachary|Kelly|Douglas|Christina|Peter|Ruth|Kyle|Joan|Noah|Virginia|Ethan|Judith|Jeremy|\
    Evelyn|Walter|Hannah|Christian|Andrea|Keith|Megan|Roger|Cheryl|Terry|Jacqueline|Austin|Madison|Sean|Sophia|\
    Gerald|Abigail|Carl|Teresa|Harold|Isabella|Dylan|Sara|Arthur|Janice|Lawrence|Julia|Jordan|Marie|Jesse|Grace|\
    Bryan|Judy|Billy|Theresa|Bruce|Rose|Gabriel|Beverly|Joe|Denise|Logan|Marilyn|Alan|Amber|Juan|Danielle|Albert|\
    Brittany|Willie|Diana|Elijah|Natalie|Wayne|Alexis|Randy|Lori|Vincent|Kayla|Mason|Charlotte|Roy|Aisha|Ravi|Priya|\
    Wei|Mei|Hiroshi|Yuki|Carlos|Lucia|Mateo|Sofia|Lars|Ingrid|Pierre|Chloe|Hans|Lena|Ahmed|Fatima|Omar|Leila
    """)

    public static let lastNames = WordList("""
    Smith|Johnson|Williams|Brown|Jones|Garcia|Miller|Davis|Rodriguez|Martinez|Hernandez|Lopez|Gonzalez|Wilson|\
    Anderson|Thomas|Taylor|Moore|Jackson|Martin|Lee|Perez|Thompson|White|Harris|Sanchez|Clark|Ramirez|Lewis|Robinson|\
    Walker|Young|Allen|King|Wright|Scott|Torres|Nguyen|Hill|Flores|Green|Adams|Nelson|Baker|Hall|Rivera|Campbell|\
    Mitchell|Carter|Roberts|Gomez|Phillips|Evans|Turner|Diaz|Parker|Cruz|Edwards|Collins|Reyes|Stewart|Morris|\
    Morales|Murphy|Cook|Rogers|Gutierrez|Ortiz|Morgan|Cooper|Peterson|Bailey|Reed|Kelly|Howard|Ramos|Kim|Cox|Ward|\
    Richardson|Watson|Brooks|Chavez|Wood|James|Bennett|Gray|Mendoza|Ruiz|Hughes|Price|Alvarez|Castillo|Sanders|\
    Patel|Myers|Long|Ross|Foster|Jimenez|Powell|Jenkins|Perry|Russell|Sullivan|Bell|Coleman|Butler|Henderson|Barnes|\
    Gonzales|Fisher|Vasquez|Simmons|Romero|Jordan|Patterson|Alexander|Hamilton|Graham|Reynolds|Griffin|Wallace|\
    Moreno|West|Cole|Hayes|Bryant|Herrera|Gibson|Ellis|Tran|Medina|Aguilar|Stevens|Murray|Ford|Castro|Marshall|Owens|\
    Harrison|Fernandez|McDonald|Woods|Washington|Kennedy|Wells|Vargas|Henry|Chen|Freeman|Webb|Tucker|Guzman|Burns|\
    Crawford|Olson|Simpson|Porter|Hunter|Gordon|Mendez|Silva|Shaw|Snyder|Mason|Dixon|Munoz|Hunt|Hicks|Holmes|Palmer|\
    Wagner|Black|Robertson|Boyd|Rose|Stone|Salazar|Fox|Warren|Mills|Meyer|Rice|Schmidt|Garza|Daniels|Ferguson|Nichols|\
    Stephens|Soto|Weaver|Ryan|Gardner|Payne|Grant|Dunn|Kelley|Spencer|Hawkins|Arnold|Pierce|Vazquez|Hansen|Peters|\
    Santos|Hart|Bradley|Knight|Elliott|Cunningham|Duncan|Armstrong|Hudson|Carroll|Lane|Riley|Andrews|Alvarado|Ray|\
    Delgado|Berry|Perkins|Hoffman|Johnston|Matthews|Pena|Richards|Willis|Carpenter|Lawrence|Sandoval|Tanaka|Sato|\
    Muller|Schneider|Dubois|Laurent|Rossi|Bianchi|Kowalski|Novak|Johansson|Larsen|Singh|Kumar|Wang|Li|Zhang|Liu
    """)

    /// City, state or region, ISO 3166-1 alpha-2 country, postal-code prefix: one city per four words.
    static let places = WordList("""
    New York|NY|US|100|Los Angeles|CA|US|900|Chicago|IL|US|606|Houston|TX|US|770|Phoenix|AZ|US|850|\
    Philadelphia|PA|US|191|San Antonio|TX|US|782|San Diego|CA|US|921|Dallas|TX|US|752|Austin|TX|US|787|\
    Jacksonville|FL|US|322|San Jose|CA|US|951|Columbus|OH|US|432|Charlotte|NC|US|282|Indianapolis|IN|US|462|\
    San Francisco|CA|US|941|Seattle|WA|US|981|Denver|CO|US|802|Boston|MA|US|021|Nashville|TN|US|372|\
    Portland|OR|US|972|Las Vegas|NV|US|891|Detroit|MI|US|482|Atlanta|GA|US|303|Miami|FL|US|331|\
    Minneapolis|MN|US|554|Raleigh|NC|US|276|Salt Lake City|UT|US|841|Kansas City|MO|US|641|Pittsburgh|PA|US|152|\
    Toronto|ON|CA|M5V|Vancouver|BC|CA|V6B|Montreal|QC|CA|H2X|Calgary|AB|CA|T2P|\
    London|England|GB|EC1|Manchester|England|GB|M1|Edinburgh|Scotland|GB|EH1|Bristol|England|GB|BS1|\
    Berlin|Berlin|DE|101|Munich|Bavaria|DE|803|Hamburg|Hamburg|DE|203|Frankfurt|Hesse|DE|603|\
    Paris|Ile-de-France|FR|750|Lyon|Auvergne-Rhone-Alpes|FR|690|Marseille|Provence|FR|130|\
    Madrid|Madrid|ES|280|Barcelona|Catalonia|ES|080|Rome|Lazio|IT|001|Milan|Lombardy|IT|201|\
    Amsterdam|North Holland|NL|101|Rotterdam|South Holland|NL|301|Stockholm|Stockholm|SE|111|Copenhagen|Capital|DK|104|\
    Dublin|Leinster|IE|D02|Brussels|Brussels|BE|100|Zurich|Zurich|CH|800|Vienna|Vienna|AT|101|Warsaw|Masovia|PL|001|\
    Sydney|NSW|AU|200|Melbourne|VIC|AU|300|Brisbane|QLD|AU|400|Auckland|Auckland|NZ|101|\
    Tokyo|Tokyo|JP|100|Osaka|Osaka|JP|530|Seoul|Seoul|KR|045|Singapore|Singapore|SG|018|\
    Mumbai|Maharashtra|IN|400|Bangalore|Karnataka|IN|560|Delhi|Delhi|IN|110|\
    Sao Paulo|SP|BR|010|Rio de Janeiro|RJ|BR|200|Mexico City|CDMX|MX|060|Guadalajara|Jalisco|MX|441|\
    Buenos Aires|CABA|AR|100|Bogota|Bogota|CO|110|Cape Town|Western Cape|ZA|800|Johannesburg|Gauteng|ZA|200
    """)

    /// ISO 3166-1 alpha-2 codes, with their names in `countryNames`, weighted by `countryWeights`.
    static let countryCodes = WordList(
        "US|GB|DE|FR|CA|AU|NL|ES|IT|SE|BR|MX|IN|JP|PL|IE|BE|CH|AT|DK|KR|SG|NZ|ZA|AR|CO|NO|FI|PT|CZ")
    static let countryNames = WordList("""
    United States|United Kingdom|Germany|France|Canada|Australia|Netherlands|Spain|Italy|Sweden|Brazil|Mexico|\
    India|Japan|Poland|Ireland|Belgium|Switzerland|Austria|Denmark|South Korea|Singapore|New Zealand|South Africa|\
    Argentina|Colombia|Norway|Finland|Portugal|Czechia
    """)
    static let countryWeights: [Double] = [
        30, 9, 8, 6, 6, 4, 3, 3.5, 3, 2, 4, 3, 5, 3, 2, 1.2, 1.2, 1.2, 1, 1, 1.5, 1, 0.8, 0.8, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7,
    ]

    static let usStates = WordList("""
    AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|\
    RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY
    """)

    static let streets = WordList("""
    Main|Oak|Pine|Maple|Cedar|Elm|Washington|Lake|Hill|Park|Sunset|Lincoln|Jackson|Church|River|Highland|Forest|\
    Meadow|Spring|Ridge|Valley|Willow|Mill|Chestnut|Walnut|Franklin|Madison|Jefferson|Adams|Center|Market|Union|\
    Broad|Water|High|King|Queen|Bridge|Harbor|Orchard
    """)
    static let streetSuffixes = WordList("St|Ave|Rd|Blvd|Ln|Dr|Ct|Way|Pl|Terrace")

    static let companyParts = WordList("""
    Acme|Globex|Initech|Umbrella|Stark|Wayne|Vertex|Summit|Pioneer|Horizon|Apex|Nimbus|Quantum|Cobalt|Granite|Silver|\
    Northwind|Bluebird|Redwood|Ironclad|Lumen|Nova|Orbit|Prairie|Harbor|Evergreen|Falcon|Crescent|Beacon|Atlas
    """)
    static let companySuffixes = WordList("Inc|LLC|Group|Labs|Systems|Holdings|Partners|Co|Technologies|Industries")

    static let productAdjectives = WordList("""
    Ergonomic|Rustic|Sleek|Durable|Lightweight|Compact|Premium|Classic|Modern|Vintage|Smart|Wireless|Portable|\
    Handcrafted|Organic|Eco|Deluxe|Essential|Ultra|Pro|Everyday|Heavy-Duty|Foldable|Waterproof|Insulated|Slim|\
    Adjustable|Reusable|Soft|Quick-Dry
    """)
    static let productMaterials = WordList("""
    Steel|Wooden|Cotton|Leather|Bamboo|Ceramic|Glass|Aluminum|Wool|Linen|Granite|Plastic|Rubber|Silk|Copper|Marble|\
    Canvas|Carbon|Titanium|Oak
    """)
    static let productNouns = WordList("""
    Chair|Table|Lamp|Backpack|Headphones|Keyboard|Mouse|Monitor|Speaker|Watch|Wallet|Jacket|Sneakers|Bottle|Mug|\
    Blender|Kettle|Toaster|Pan|Knife Set|Notebook|Pen|Desk|Shelf|Pillow|Blanket|Towel|Candle|Vase|Rug|Tent|\
    Sleeping Bag|Yoga Mat|Dumbbell|Bicycle|Helmet|Sunglasses|Umbrella|Charger|Cable|Router|Camera|Tripod|Drone|\
    Tablet|Phone Case|Hoodie|T-Shirt|Jeans|Scarf
    """)
    static let productCategories = WordList("""
    Electronics|Home & Kitchen|Clothing|Sports & Outdoors|Books|Beauty|Toys & Games|Garden|Automotive|Office|\
    Health|Pet Supplies|Grocery|Jewelry|Tools
    """)
    static let brands = WordList("""
    Northpeak|Lumina|Verdant|Solace|Kestrel|Brightline|Oakridge|Zephyr|Corvid|Halcyon|Ember|Tidewater|Ironleaf|\
    Polaris|Cascade|Juniper|Monarch|Riverstone|Sable|Wildwood
    """)
    static let departments = WordList("Engineering|Marketing|Sales|HR|Finance|Operations|Support|Legal|Product|Design")
    static let jobTitles = WordList("""
    Software Engineer|Senior Software Engineer|Data Engineer|Data Analyst|Product Manager|Designer|Account Executive|\
    Sales Manager|Marketing Manager|Content Strategist|Recruiter|HR Generalist|Accountant|Financial Analyst|\
    Operations Manager|Support Specialist|Engineering Manager|Director|Vice President|Intern
    """)

    /// Common English words for sentences, descriptions and search terms.
    static let words = WordList("""
    time|year|people|way|day|man|thing|woman|life|child|world|school|state|family|student|group|country|problem|hand|\
    part|place|case|week|company|system|program|question|work|government|number|night|point|home|water|room|mother|\
    area|money|story|fact|month|lot|right|study|book|eye|job|word|business|issue|side|kind|head|house|service|friend|\
    father|power|hour|game|line|end|member|law|car|city|community|name|president|team|minute|idea|kid|body|\
    information|back|parent|face|others|level|office|door|health|person|art|war|history|party|result|change|morning|\
    reason|research|girl|guy|moment|air|teacher|force|education|quality|simple|design|light|fresh|bright|strong|\
    smooth|natural|perfect|great|small|large|new|good|easy|fast|warm|clean|quiet|bold|rich|soft|sharp|clear|daily|\
    comfort|style|value|build|craft|travel|garden|kitchen|outdoor|season|classic|color|texture|finish|support|\
    everyday|reliable|versatile|practical|elegant|durable|sturdy|gentle|crisp|vivid|premium|essential|modern
    """)

    static let urlPaths = WordList("""
    /|/home|/products|/products/{id}|/category/{word}|/search|/cart|/checkout|/checkout/payment|/account|\
    /account/orders|/login|/signup|/pricing|/about|/contact|/blog|/blog/{word}-{word}|/help|/help/{word}|/deals|\
    /wishlist|/reviews/{id}|/docs/{word}|/settings
    """)
    static let urlPathWeights: [Double] = [
        14, 8, 12, 16, 7, 8, 6, 3, 2, 3, 2, 4, 1.5, 2, 1, 1, 2, 3, 1.5, 1, 2, 1, 1.5, 1, 1,
    ]
    static let domains = WordList("""
    shopnest.com|brightmart.io|northpeak.store|lumina.shop|oakridge-outfitters.com|verdant.market|kestrel.app|\
    tidewater.co|halcyonhome.com|emberlabs.dev
    """)
    public static let emailDomains = WordList("""
    gmail.com|yahoo.com|outlook.com|hotmail.com|icloud.com|proton.me|aol.com|mail.com|gmx.de|yahoo.co.uk|\
    example.com|example.org
    """)
    static let emailDomainWeights: [Double] = [40, 10, 12, 8, 10, 3, 2, 1, 2, 2, 5, 5]
    static let referrers = WordList("""
    https://www.google.com/|https://www.bing.com/|https://duckduckgo.com/|https://www.facebook.com/|\
    https://t.co/|https://www.instagram.com/|https://www.linkedin.com/|https://www.reddit.com/|\
    https://news.ycombinator.com/|https://www.youtube.com/|https://mail.google.com/|https://www.pinterest.com/|\
    https://www.tiktok.com/|https://search.yahoo.com/
    """)
    static let referrerWeights: [Double] = [45, 6, 3, 9, 3, 6, 3, 4, 1, 5, 4, 3, 5, 2]
    static let browsers = WordList("Chrome|Safari|Firefox|Edge|Samsung Internet|Opera")
    static let browserWeights: [Double] = [64, 19, 3, 5, 3, 2]
    static let deviceTypes = WordList("desktop|mobile|tablet")
    static let deviceWeights: [Double] = [40, 52, 8]
    static let userAgents = WordList("""
    Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36|\
    Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15|\
    Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1|\
    Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36|\
    Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0|\
    Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0|\
    Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1|\
    Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36
    """)
    static let colors = WordList("""
    black|white|gray|silver|red|blue|navy|green|olive|teal|yellow|orange|purple|pink|brown|beige|gold|maroon
    """)
    static let areaCodes = WordList("""
    212|213|312|415|617|646|702|713|206|303|305|404|503|512|602|615|704|718|801|818|917|919|925|949|972
    """)
}

extension Words {
    /// `first.last123@domain`: unique, since it ends with the user's index.
    public static func appendEmail(user i: Int, draw: UInt64, to out: inout [UInt8]) {
        var rng = SplitMix64(state: draw)
        firstNames.appendSlug(rng.nextIndex(firstNames.count), to: &out)
        out.append(rng.nextBool(probability: 0.5) ? UInt8(ascii: ".") : UInt8(ascii: "_"))
        lastNames.appendSlug(rng.nextIndex(lastNames.count), to: &out)
        appendDecimalDigits(Int64(i) + 1, to: &out)
        out.append(UInt8(ascii: "@"))
        emailDomains.append(rng.nextIndex(emailDomains.count), to: &out)
    }
}
