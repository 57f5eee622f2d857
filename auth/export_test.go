package auth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
)

// MakeLegacy turns store, sealed under kek, into what a store from before
// schema version 4 looks like after its migration: the refresh MAC secret
// sealed the old way (AES-256-GCM, version byte, nonce, associated data
// "ward refresh mac\x00refresh_mac") and key records without a MAC.
func MakeLegacy(store Store, kek []byte) error {
	block, err := aes.NewCipher(kek)
	if err != nil {
		return err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return err
	}
	return store.Update(context.Background(), func(tx Tx) error {
		sealed, err := tx.Secret(macSecretName)
		if err != nil {
			return err
		}
		n := aead.NonceSize()
		mac, err := aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte("ward secret v2\x00"+macSecretName))
		if err != nil {
			return err
		}
		out := make([]byte, 1+n)
		out[0] = 1
		rand.Read(out[1:])
		out = aead.Seal(out, out[1:], mac, []byte("ward refresh mac\x00"+macSecretName))
		if err := tx.PutSecret(macSecretName, out); err != nil {
			return err
		}
		recs, err := tx.Keys()
		if err != nil {
			return err
		}
		for _, r := range recs {
			r.MAC = nil
			if err := tx.PutKey(r); err != nil {
				return err
			}
		}
		return nil
	})
}

// FlushLimitSummary logs the summary of refused requests now, as the end
// of the interval would.
func FlushLimitSummary(s *Service) { s.floods.flush() }
