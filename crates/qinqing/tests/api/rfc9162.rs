//! An independent verifier written from RFC 9162 §2.1.3.2 and §2.1.4.2 and the C2SP signed-note
//! spec, so the platform's proofs and checkpoints are checked by code that shares nothing with it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

pub fn leaf_hash(entry: &[u8]) -> Hash {
    Sha256::new()
        .chain_update([0u8])
        .chain_update(entry)
        .finalize()
        .into()
}

fn node(left: &Hash, right: &Hash) -> Hash {
    Sha256::new()
        .chain_update([1u8])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

fn lsb(x: u64) -> bool {
    x & 1 == 1
}

/// RFC 9162 §2.1.3.2.
pub fn verify_inclusion(index: u64, size: u64, leaf: Hash, proof: &[Hash], root: Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fn_, mut sn, mut r) = (index, size - 1, leaf);
    for p in proof {
        if sn == 0 {
            return false;
        }
        if lsb(fn_) || fn_ == sn {
            r = node(p, &r);
            while !lsb(fn_) && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && r == root
}

/// RFC 9162 §2.1.4.2.
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: Hash,
    second_root: Hash,
    proof: &[Hash],
) -> bool {
    if first == second {
        return proof.is_empty() && first_root == second_root;
    }
    if first == 0 || first > second {
        return first == 0 && proof.is_empty();
    }
    let mut path = proof.to_vec();
    if first.is_power_of_two() {
        path.insert(0, first_root);
    }
    let (mut fn_, mut sn) = (first - 1, second - 1);
    while lsb(fn_) {
        fn_ >>= 1;
        sn >>= 1;
    }
    let Some((head, rest)) = path.split_first() else {
        return false;
    };
    let (mut fr, mut sr) = (*head, *head);
    for c in rest {
        if sn == 0 {
            return false;
        }
        if lsb(fn_) || fn_ == sn {
            fr = node(c, &fr);
            sr = node(c, &sr);
            while !lsb(fn_) && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && fr == first_root && sr == second_root
}

/// A checkpoint whose Ed25519 signature was checked against the verifier key.
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

/// Parses a C2SP vkey ("name+hexid+base64(0x01‖key)") and a signed note, checks the key id and
/// the signature, and returns the checkpoint body.
pub fn open_checkpoint(note: &str, vkey: &str) -> Result<Checkpoint, String> {
    let mut parts = vkey.trim().splitn(3, '+');
    let (name, id_hex, key_b64) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let key = B64.decode(key_b64).map_err(|e| e.to_string())?;
    if key.first() != Some(&1) || key.len() != 33 {
        return Err("not an Ed25519 vkey".into());
    }
    let id: [u8; 4] = Sha256::new()
        .chain_update(name)
        .chain_update(b"\n")
        .chain_update(&key)
        .finalize()[..4]
        .try_into()
        .unwrap();
    if hex::encode(id) != id_hex {
        return Err("vkey id does not match its key".into());
    }
    let (text, signatures) = note.split_once("\n\n").ok_or("no blank line")?;
    let text = format!("{text}\n");
    let verifying = ed25519_dalek::VerifyingKey::from_bytes(key[1..].try_into().unwrap())
        .map_err(|e| e.to_string())?;
    let signed = signatures.lines().any(|line| {
        let Some(rest) = line.strip_prefix("— ") else {
            return false;
        };
        let Some((sig_name, b64)) = rest.split_once(' ') else {
            return false;
        };
        let Ok(raw) = B64.decode(b64) else {
            return false;
        };
        sig_name == name
            && raw.len() == 68
            && raw[..4] == id
            && verifying
                .verify_strict(
                    text.as_bytes(),
                    &ed25519_dalek::Signature::from_slice(&raw[4..]).unwrap(),
                )
                .is_ok()
    });
    if !signed {
        return Err("no valid signature by the log's key".into());
    }
    let lines: Vec<&str> = text.lines().collect();
    let root: Hash = B64
        .decode(lines.get(2).ok_or("no root line")?)
        .map_err(|e| e.to_string())?
        .try_into()
        .map_err(|_| "root is not 32 bytes")?;
    Ok(Checkpoint {
        origin: lines[0].to_string(),
        size: lines
            .get(1)
            .ok_or("no size line")?
            .parse()
            .map_err(|_| "bad size")?,
        root,
    })
}

pub fn decode_hashes(values: &serde_json::Value) -> Vec<Hash> {
    values
        .as_array()
        .unwrap()
        .iter()
        .map(|h| B64.decode(h.as_str().unwrap()).unwrap().try_into().unwrap())
        .collect()
}
