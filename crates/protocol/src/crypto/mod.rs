//! The message encryption shared by WeCom, Official Accounts, Mini Programs and the open
//! platform (`WXBizMsgCrypt`, NOTES.md §1): the AES key, the encrypt/decrypt routine, key
//! rotation and the receive-id check.
//!
//! | file | what it holds |
//! |---|---|
//! | [`aes_key`] | [`AesKey`]: the 32-byte key decoded from the 43-character EncodingAESKey |
//! | [`msg_crypt`] | [`encrypt`] / [`decrypt`]: AES-256-CBC over `random ‖ len ‖ msg ‖ receive_id` |
//! | [`key_ring`] | [`KeyRing`]: the current key and the previous one during a rotation |
//! | [`receive_id`] | [`ReceiveIdPolicy`]: which receive ids a decrypted payload may carry |

pub mod aes_key;
pub mod key_ring;
pub mod msg_crypt;
pub mod receive_id;

pub use aes_key::AesKey;
pub use key_ring::{KeyRing, KeySlot};
pub use msg_crypt::{Payload, decrypt, encrypt, random_prefix};
pub use receive_id::{ReceiveIdPolicy, describe_receive_id};
