import CCrypto

/// An incremental SHA-256 digest (OpenSSL's libcrypto, which uses the CPU's SHA extensions where
/// present): the checksum the manifest records for every file.
public final class SHA256 {
    private let context: OpaquePointer

    public init() {
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            fatalError("libcrypto could not start a SHA-256 digest")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds `bytes` to the digest.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    /// Adds `bytes` to the digest.
    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest as 64 lowercase hex characters. The object cannot be updated afterwards.
    public func finalize() -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        digest.withUnsafeBytes { appendHex($0, to: &hex) }
        return String(decoding: hex, as: UTF8.self)
    }

    /// The SHA-256 of `bytes`, in hex.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digest = SHA256()
        digest.update(bytes)
        return digest.finalize()
    }
}
