package keyring

import "time"

// Key states, in the order a key goes through them.
const (
	Next    = "next"    // published in the JWKS, not yet signing
	Active  = "active"  // signs new tokens; exactly one
	Retired = "retired" // published, verifies tokens in flight, signs nothing
	Revoked = "revoked" // compromised: not published, its tokens refused
)

// Refused is the state a listing gives a stored record that is not
// authenticated under the key-encryption key ([Ring.Authentic] is false):
// it is neither published nor trusted, whatever its stored state says. It
// is never stored.
const Refused = "refused"

// Record is a signing key as stored. Private is sealed with AES-256-GCM
// under the key-encryption key, with the key ID and algorithm as
// associated data; Public is the public JWK. MAC authenticates every other
// field under a key derived from the key-encryption key, so that a record
// written to the store by anyone without that key is refused when loaded
// (empty in records from before schema version 4, until [Ring.Load]
// authenticates them once).
type Record struct {
	KeyID     string
	Algorithm string
	State     string // one of the state constants
	Private   []byte // sealed private JWK
	Public    []byte // public JWK (JSON)
	CreatedAt time.Time
	// ActivateAt, for a next key, is when a requested rotation promotes
	// it (zero: on the rotation schedule).
	ActivateAt  time.Time
	ActivatedAt time.Time
	RetiredAt   time.Time
	RevokedAt   time.Time
	MAC         []byte
}
