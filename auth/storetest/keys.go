package storetest

import (
	"bytes"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/wardauth/ward/auth"
)

// testKeys: PutKey inserts and replaces by kid, keeping every field (the
// MAC included); Keys lists oldest first; DeleteKey.
func testKeys(t *testing.T, s auth.Store) {
	k1 := &auth.KeyRecord{KeyID: "k1", Algorithm: "ES256", State: auth.KeyActive, Private: []byte{1, 2, 3}, Public: []byte(`{"kty":"EC"}`),
		CreatedAt: base, ActivatedAt: base, MAC: bytes.Repeat([]byte{5}, 32)}
	k2 := &auth.KeyRecord{KeyID: "k2", Algorithm: "ES256", State: auth.KeyNext, Private: []byte{4}, Public: []byte(`{}`), CreatedAt: base.Add(time.Second)}
	update(t, s, func(tx auth.Tx) error {
		if err := tx.LockKeys(); err != nil {
			return err
		}
		if err := tx.PutKey(k2); err != nil {
			return err
		}
		return tx.PutKey(k1)
	})
	view(t, s, func(tx auth.ReadTx) error {
		keys, err := tx.Keys()
		if err != nil {
			return err
		}
		if len(keys) != 2 || keys[0].KeyID != "k1" || keys[1].KeyID != "k2" {
			t.Fatalf("Keys not oldest first: %v", keys)
		}
		g := keys[0]
		if g.Algorithm != "ES256" || g.State != auth.KeyActive || !bytes.Equal(g.Private, k1.Private) || !bytes.Equal(g.Public, k1.Public) ||
			!sameTime(g.CreatedAt, base) || !sameTime(g.ActivatedAt, base) || !g.RetiredAt.IsZero() || !g.ActivateAt.IsZero() || !bytes.Equal(g.MAC, k1.MAC) {
			t.Errorf("key = %+v", g)
		}
		if len(keys[1].MAC) != 0 {
			t.Errorf("key without a MAC read back with MAC %x", keys[1].MAC)
		}
		return nil
	})
	// PutKey replaces by kid.
	k1.State, k1.RetiredAt, k1.MAC = auth.KeyRetired, base.Add(time.Hour), bytes.Repeat([]byte{6}, 32)
	k2.State, k2.ActivatedAt, k2.ActivateAt, k2.RevokedAt = auth.KeyActive, base.Add(time.Hour), base.Add(time.Minute), base.Add(2*time.Hour)
	update(t, s, func(tx auth.Tx) error {
		if err := tx.PutKey(k1); err != nil {
			return err
		}
		return tx.PutKey(k2)
	})
	view(t, s, func(tx auth.ReadTx) error {
		keys, err := tx.Keys()
		if err != nil {
			return err
		}
		if len(keys) != 2 || keys[0].State != auth.KeyRetired || !sameTime(keys[0].RetiredAt, k1.RetiredAt) || !bytes.Equal(keys[0].MAC, k1.MAC) ||
			keys[1].State != auth.KeyActive || !sameTime(keys[1].ActivateAt, k2.ActivateAt) || !sameTime(keys[1].RevokedAt, k2.RevokedAt) {
			t.Errorf("after PutKey: %+v %+v", keys[0], keys[1])
		}
		return nil
	})
	update(t, s, func(tx auth.Tx) error { return tx.DeleteKey("k1") })
	wantCode(t, s.Update(ctx(), func(tx auth.Tx) error { return tx.DeleteKey("k1") }), auth.CodeNotFound)
}

// testSecrets: PutSecret inserts and replaces; Secret; SecretNames lists
// every name, sorted.
func testSecrets(t *testing.T, s auth.Store) {
	view(t, s, func(tx auth.ReadTx) error {
		_, err := tx.Secret("mac")
		wantCode(t, err, auth.CodeNotFound)
		names, err := tx.SecretNames()
		if err == nil && len(names) != 0 {
			t.Errorf("SecretNames of an empty store = %q", names)
		}
		return err
	})
	update(t, s, func(tx auth.Tx) error { return tx.PutSecret("mac", []byte("sealed-1")) })
	update(t, s, func(tx auth.Tx) error { return tx.PutSecret("mac", []byte("sealed-2")) })
	update(t, s, func(tx auth.Tx) error { return tx.PutSecret("csrf", []byte("sealed-3")) })
	view(t, s, func(tx auth.ReadTx) error {
		got, err := tx.Secret("mac")
		if err != nil || string(got) != "sealed-2" {
			t.Errorf("Secret = %q, %v", got, err)
		}
		names, err := tx.SecretNames()
		if err != nil || !slices.Equal(names, []string{"csrf", "mac"}) {
			t.Errorf("SecretNames = %q, %v", names, err)
		}
		return nil
	})
}

// testKeyOrder: keys created at the same instant are listed in the order
// they were first put; replacing a key keeps its place.
func testKeyOrder(t *testing.T, s auth.Store) {
	put := func(kids ...string) {
		t.Helper()
		update(t, s, func(tx auth.Tx) error {
			for _, kid := range kids {
				if err := tx.PutKey(&auth.KeyRecord{KeyID: kid, Algorithm: "ES256", State: auth.KeyNext, Private: []byte{1}, Public: []byte(`{}`), CreatedAt: base}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	put("kc", "ka", "kb")
	put("ka")
	view(t, s, func(tx auth.ReadTx) error {
		keys, err := tx.Keys()
		var kids []string
		for _, k := range keys {
			kids = append(kids, k.KeyID)
		}
		if err == nil && !slices.Equal(kids, []string{"kc", "ka", "kb"}) {
			t.Errorf("Keys = %v, want [kc ka kb] (insertion order at one CreatedAt)", kids)
		}
		return err
	})
}

// testConcurrentLockKeys: transactions that hold LockKeys run one after
// another, each reading what the one before it wrote: a counter kept in a
// secret loses no increment.
func testConcurrentLockKeys(t *testing.T, s auth.Store) {
	const n = 20
	concurrently(t, s, n, func(tx auth.Tx, i int) error {
		if err := tx.LockKeys(); err != nil {
			return err
		}
		count := 0
		b, err := tx.Secret("counter")
		switch {
		case auth.IsCode(err, auth.CodeNotFound):
		case err != nil:
			return err
		default:
			if count, err = strconv.Atoi(string(b)); err != nil {
				return err
			}
		}
		return tx.PutSecret("counter", []byte(strconv.Itoa(count+1)))
	})
	view(t, s, func(tx auth.ReadTx) error {
		b, err := tx.Secret("counter")
		if err == nil && string(b) != strconv.Itoa(n) {
			t.Errorf("counter = %s after %d increments under LockKeys", b, n)
		}
		return err
	})
}
