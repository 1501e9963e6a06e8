/// US cities with their states, weighted by population (in 100,000s, rounded): where bronze's
/// customers live and where its marketing events come from.
enum USPlaces {
    static let table: [(city: String, state: String, weight: Double)] = [
        ("New York", "NY", 83), ("Los Angeles", "CA", 38), ("Chicago", "IL", 27), ("Houston", "TX", 23), ("Phoenix", "AZ", 16),
        ("Philadelphia", "PA", 16), ("San Antonio", "TX", 15), ("San Diego", "CA", 14), ("Dallas", "TX", 13), ("Austin", "TX", 10),
        ("Jacksonville", "FL", 10), ("San Jose", "CA", 10), ("Fort Worth", "TX", 9), ("Columbus", "OH", 9), ("Charlotte", "NC", 9),
        ("Indianapolis", "IN", 9), ("San Francisco", "CA", 8), ("Seattle", "WA", 7), ("Denver", "CO", 7), ("Oklahoma City", "OK", 7),
        ("Nashville", "TN", 7), ("Washington", "DC", 7), ("El Paso", "TX", 7), ("Las Vegas", "NV", 6), ("Boston", "MA", 6),
        ("Detroit", "MI", 6), ("Portland", "OR", 6), ("Louisville", "KY", 6), ("Memphis", "TN", 6), ("Baltimore", "MD", 6),
        ("Milwaukee", "WI", 6), ("Albuquerque", "NM", 6), ("Tucson", "AZ", 5), ("Fresno", "CA", 5), ("Sacramento", "CA", 5),
        ("Mesa", "AZ", 5), ("Kansas City", "MO", 5), ("Atlanta", "GA", 5), ("Omaha", "NE", 5), ("Colorado Springs", "CO", 5),
        ("Raleigh", "NC", 5), ("Long Beach", "CA", 5), ("Virginia Beach", "VA", 5), ("Miami", "FL", 4), ("Oakland", "CA", 4),
        ("Minneapolis", "MN", 4), ("Tulsa", "OK", 4), ("Bakersfield", "CA", 4), ("Wichita", "KS", 4), ("Arlington", "TX", 4),
        ("Aurora", "CO", 4), ("Tampa", "FL", 4), ("New Orleans", "LA", 4), ("Cleveland", "OH", 4), ("Honolulu", "HI", 3),
        ("Anaheim", "CA", 3), ("Lexington", "KY", 3), ("Henderson", "NV", 3), ("Orlando", "FL", 3), ("Pittsburgh", "PA", 3),
        ("St. Louis", "MO", 3), ("Cincinnati", "OH", 3), ("Salt Lake City", "UT", 2), ("Boise", "ID", 2), ("Richmond", "VA", 2),
        ("Des Moines", "IA", 2), ("Birmingham", "AL", 2), ("Spokane", "WA", 2), ("Madison", "WI", 3), ("Buffalo", "NY", 3),
        ("Providence", "RI", 2), ("Hartford", "CT", 1), ("Burlington", "VT", 0.5), ("Manchester", "NH", 1.2),
        ("Charleston", "SC", 1.5), ("Little Rock", "AR", 2), ("Jackson", "MS", 1.5), ("Anchorage", "AK", 2.9), ("Sioux Falls", "SD", 2),
        ("Fargo", "ND", 1.3), ("Billings", "MT", 1.2), ("Cheyenne", "WY", 0.6), ("Wilmington", "DE", 0.7), ("Newark", "NJ", 3),
    ]

    /// Each city name once, so that a city names its state.
    static let cities = table.map(\.city)
    static let states = table.map(\.state)
    static let weights = table.map(\.weight)
    /// "City, ST"
    static let locations = table.map { "\($0.city), \($0.state)" }
}

/// Words for bronze's products, per category (Electronics, Clothing, Home, Books, Sports).
enum ProductWords {
    static let byCategory: [(WordList, WordList)] = [
        (WordList("Wireless|Smart|Ultra|Pro|Portable|Noise-Cancelling|4K|Compact|Bluetooth|Gaming|Digital|HD"),
         WordList("Headphones|Earbuds|Speaker|Monitor|Laptop|Tablet|Smartwatch|Camera|Keyboard|Mouse|Router|Charger|Drone|Projector|Soundbar")),
        (WordList("Classic|Slim-Fit|Organic Cotton|Merino|Waterproof|Vintage|Essential|Relaxed|Lightweight|Quilted|Linen|Stretch"),
         WordList("T-Shirt|Hoodie|Jeans|Jacket|Sweater|Dress|Chinos|Parka|Polo|Blazer|Leggings|Scarf|Sneakers|Boots")),
        (WordList("Ceramic|Bamboo|Stainless|Modern|Rustic|Cast-Iron|Velvet|Oak|Minimalist|Handwoven|Glass|Nonstick"),
         WordList("Lamp|Cookware Set|Throw Pillow|Rug|Vase|Bookshelf|Skillet|Knife Set|Blanket|Coffee Table|Mirror|Planter|Kettle")),
        (WordList("The Last|The Silent|A Brief History of|The Art of|Beyond the|Secrets of the|The Lost|Letters from the|The Hidden|Notes on the"),
         WordList("Garden|River|Kingdom|Mind|Universe|City|Ocean|Machine|Forest|Empire|Island|Algorithm")),
        (WordList("Pro|Trail|Carbon|Ultralight|All-Weather|Performance|Training|Adjustable|Competition|Insulated|Grip|Endurance"),
         WordList("Running Shoes|Yoga Mat|Dumbbells|Tennis Racket|Bike Helmet|Backpack|Water Bottle|Tent|Basketball|Golf Clubs|Kayak Paddle|Jump Rope")),
    ]

    static let subcategories: [[String]] = [
        ["Audio", "Computers", "Phones & Tablets", "Cameras", "Wearables", "Accessories"],
        ["Tops", "Bottoms", "Outerwear", "Footwear", "Activewear", "Accessories"],
        ["Kitchen", "Furniture", "Decor", "Bedding", "Lighting", "Garden"],
        ["Fiction", "Non-fiction", "Science", "History", "Children", "Business"],
        ["Fitness", "Outdoor", "Team Sports", "Cycling", "Water Sports", "Racket Sports"],
    ]

    static let brands: [[String]] = [
        ["Voltix", "Auralis", "Nexora", "Pixelon", "Quantix", "Sonara", "Zentrik", "Lumora"],
        ["Threadly", "Northwear", "Urbane & Co", "Loomcraft", "Cotton Field", "Avery Lane", "Stitch House", "Marlow"],
        ["Hearthline", "Oak & Ember", "Nestwell", "Casa Verde", "Kindling", "Woodhaven", "Brightnest", "Hollow Pine"],
        ["Penrose Press", "Lantern House", "Blue Quill", "Meridian Books", "Old Harbor", "Foxglove", "Inkwell", "Parchment"],
        ["Summit Gear", "Stride", "Peakform", "Rallyline", "Trailhead", "Apex Motion", "Tidewater", "Ironclad"],
    ]
}
