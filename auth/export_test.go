package auth

import "context"

// SetHashHook makes h call f while holding a hashing slot, before each
// hash, so that tests can hold a slot. Set it before h is used.
func SetHashHook(h *Hasher, f func()) { h.hook = f }

// MakeLegacy turns store, sealed under kek, into what a store from before
// schema version 4 looks like after its migration: the refresh MAC secret
// sealed the old way and key records without a MAC.
func MakeLegacy(store Store, kek []byte) error {
	sl, err := newSealer(kek)
	if err != nil {
		return err
	}
	return store.Update(context.Background(), func(tx Tx) error {
		sealed, err := tx.Secret(macSecretName)
		if err != nil {
			return err
		}
		mac, err := sl.openSecret(macSecretName, sealed)
		if err != nil {
			return err
		}
		if err := tx.PutSecret(macSecretName, sl.seal(mac, legacyMACSecretAD)); err != nil {
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
