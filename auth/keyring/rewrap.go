package keyring

import (
	"crypto/hmac"
	"errors"
	"fmt"
)

// Errors of [Ring.Rewrap].
var (
	ErrKEKSize = fmt.Errorf("keyring: a key-encryption key has %d bytes", KEKSize)
	ErrSameKEK = errors.New("keyring: the new key-encryption key is the current one")
)

// RewrapResult reports what [Ring.Rewrap] re-sealed.
type RewrapResult struct {
	Keys    int // signing key records
	Secrets int // sealed secrets (the refresh-token MAC secret, …)
	// Refused lists the kids of key records that were not authenticated
	// under the old key-encryption key (written to the database by hand):
	// they are left as they are, and stay refused.
	Refused []string
}

// Rewrap re-seals, in tx, every stored secret and every authentic key
// record under newKEK, and gives each record its MAC under newKEK. Once tx
// has committed, call commit, which makes the ring use newKEK; if tx
// fails, do not. A secret that does not open under the current KEK fails
// the rewrap (nothing must be written then).
func (r *Ring) Rewrap(tx Tx, newKEK []byte) (res *RewrapResult, commit func(), err error) {
	nsl, err := newSealer(newKEK)
	if err != nil {
		return nil, nil, ErrKEKSize
	}
	osl := r.sealer()
	if hmac.Equal(osl.macKey, nsl.macKey) {
		return nil, nil, ErrSameKEK
	}
	if err := tx.LockKeys(); err != nil {
		return nil, nil, err
	}
	res = &RewrapResult{}
	names, err := tx.SecretNames()
	if err != nil {
		return nil, nil, err
	}
	for _, name := range names {
		sealed, err := tx.Secret(name)
		if err != nil {
			return nil, nil, err
		}
		pt, err := osl.openSecret(name, sealed)
		if err != nil {
			return nil, nil, fmt.Errorf("keyring: the secret %q does not open under the current key-encryption key: %w", name, err)
		}
		err = tx.PutSecret(name, nsl.sealSecret(name, pt))
		clear(pt)
		if err != nil {
			return nil, nil, err
		}
		res.Secrets++
	}
	recs, err := tx.Keys()
	if err != nil {
		return nil, nil, err
	}
	for _, rec := range recs {
		if !osl.authentic(rec) {
			res.Refused = append(res.Refused, rec.KeyID)
			continue
		}
		pt, err := osl.open(rec.Private, keyAD(rec.KeyID, rec.Algorithm))
		if err != nil {
			return nil, nil, fmt.Errorf("keyring: signing key %s: %w", rec.KeyID, err)
		}
		rec.Private = nsl.seal(pt, keyAD(rec.KeyID, rec.Algorithm))
		clear(pt)
		rec.MAC = nsl.recordMAC(rec)
		if err := tx.PutKey(rec); err != nil {
			return nil, nil, err
		}
		res.Keys++
	}
	return res, func() { r.seal.Store(nsl) }, nil
}
