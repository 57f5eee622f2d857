package postgres

import (
	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/internal/schema"
)

const keyCols = `kid, alg, state, private, public, created_at, activate_at, activated_at, retired_at, revoked_at, mac`

const (
	qKeys   = `SELECT ` + keyCols + ` FROM signing_keys ORDER BY created_at, seq`
	qPutKey = `INSERT INTO signing_keys (` + keyCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (kid) DO UPDATE SET alg = excluded.alg, state = excluded.state, private = excluded.private, public = excluded.public,
		created_at = excluded.created_at, activate_at = excluded.activate_at, activated_at = excluded.activated_at,
		retired_at = excluded.retired_at, revoked_at = excluded.revoked_at, mac = excluded.mac`
	qDeleteKey   = `DELETE FROM signing_keys WHERE kid = $1`
	qLockKeys    = `SELECT 1 FROM store_locks WHERE name = 'keyring' FOR UPDATE`
	qSecret      = `SELECT sealed FROM secrets WHERE name = $1`
	qSecretNames = `SELECT name FROM secrets ORDER BY name`
	qPutSecret   = `INSERT INTO secrets (name, sealed) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed`
)

func scanKey(row scanner) (*auth.KeyRecord, error) {
	var (
		k                                  auth.KeyRecord
		created, activate, act, ret, revok int64
	)
	if err := row.Scan(&k.KeyID, &k.Algorithm, &k.State, &k.Private, &k.Public, &created, &activate, &act, &ret, &revok, &k.MAC); err != nil {
		return nil, err
	}
	k.CreatedAt, k.ActivateAt, k.ActivatedAt, k.RetiredAt, k.RevokedAt = schema.FromNanos(created), schema.FromNanos(activate), schema.FromNanos(act), schema.FromNanos(ret), schema.FromNanos(revok)
	if len(k.MAC) == 0 {
		k.MAC = nil
	}
	return &k, nil
}

func (t *tx) Keys() ([]*auth.KeyRecord, error) { return all(t, "keys", scanKey, qKeys) }

// LockKeys locks the 'keyring' row of store_locks (SELECT … FOR UPDATE)
// until the transaction ends: a second LockKeys, on any instance, waits
// for this transaction and then, since every statement at READ COMMITTED
// takes a new snapshot, reads the keys it wrote.
func (t *tx) LockKeys() error {
	tag, err := t.exec(qLockKeys)
	if err == nil && tag.RowsAffected() != 1 {
		return mapErr("lock keys", errNoLockRow)
	}
	return mapErr("lock keys", err)
}

func (t *tx) PutKey(k *auth.KeyRecord) error {
	_, err := t.exec(qPutKey,
		k.KeyID, k.Algorithm, k.State, k.Private, k.Public, schema.Nanos(k.CreatedAt), schema.Nanos(k.ActivateAt), schema.Nanos(k.ActivatedAt), schema.Nanos(k.RetiredAt), schema.Nanos(k.RevokedAt), nonNil(k.MAC))
	return mapErr("put key", err)
}

func (t *tx) DeleteKey(kid string) error {
	tag, err := t.exec(qDeleteKey, kid)
	return affected("delete key", "key", tag, err)
}

func scanBytes(row scanner) ([]byte, error) {
	var b []byte
	err := row.Scan(&b)
	return b, err
}

func scanString(row scanner) (string, error) {
	var s string
	err := row.Scan(&s)
	return s, err
}

func (t *tx) Secret(name string) ([]byte, error) { return one(t, "secret", scanBytes, qSecret, name) }

func (t *tx) SecretNames() ([]string, error) { return all(t, "secret names", scanString, qSecretNames) }

func (t *tx) PutSecret(name string, sealed []byte) error {
	_, err := t.exec(qPutSecret, name, nonNil(sealed))
	return mapErr("put secret", err)
}
