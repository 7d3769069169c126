//! The one digest the platform shows and stores: SHA-256 in lower-case hex (of files, licences,
//! and of secrets kept only as their hash: session tokens, API keys, experts' links).

use sha2::{Digest, Sha256};

/// Lower-case hex SHA-256 of `data`.
pub fn sha256_hex(data: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(data.as_ref()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn it_is_the_standard_sha256_in_lower_case_hex() {
        assert_eq!(
            super::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
