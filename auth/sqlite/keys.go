package sqlite

import (
	"database/sql"
	"errors"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/internal/schema"
)

const (
	qKeys   = `SELECT ` + keyCols + ` FROM signing_keys ORDER BY created_at, seq`
	qPutKey = `INSERT INTO signing_keys (` + keyCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (kid) DO UPDATE SET alg = excluded.alg, state = excluded.state, private = excluded.private, public = excluded.public,
		created_at = excluded.created_at, activate_at = excluded.activate_at, activated_at = excluded.activated_at,
		retired_at = excluded.retired_at, revoked_at = excluded.revoked_at, mac = excluded.mac`
	qDeleteKey   = `DELETE FROM signing_keys WHERE kid = ?`
	qSecret      = `SELECT sealed FROM secrets WHERE name = ?`
	qSecretNames = `SELECT name FROM secrets ORDER BY name`
	qPutSecret   = `INSERT INTO secrets (name, sealed) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed`
)

const keyCols = `kid, alg, state, private, public, created_at, activate_at, activated_at, retired_at, revoked_at, mac`

func (t *tx) Keys() ([]*auth.KeyRecord, error) {
	rows, err := t.query(qKeys)
	if err != nil {
		return nil, wrap("keys", err)
	}
	defer rows.Close()
	var out []*auth.KeyRecord
	for rows.Next() {
		var (
			k                                  auth.KeyRecord
			created, activate, act, ret, revok int64
		)
		if err := rows.Scan(&k.KeyID, &k.Algorithm, &k.State, &k.Private, &k.Public, &created, &activate, &act, &ret, &revok, &k.MAC); err != nil {
			return nil, wrap("keys", err)
		}
		k.CreatedAt, k.ActivateAt, k.ActivatedAt, k.RetiredAt, k.RevokedAt = schema.FromNanos(created), schema.FromNanos(activate), schema.FromNanos(act), schema.FromNanos(ret), schema.FromNanos(revok)
		out = append(out, &k)
	}
	return out, wrap("keys", rows.Err())
}

func (t *tx) PutKey(k *auth.KeyRecord) error {
	_, err := t.exec(qPutKey,
		k.KeyID, k.Algorithm, k.State, k.Private, k.Public, schema.Nanos(k.CreatedAt), schema.Nanos(k.ActivateAt), schema.Nanos(k.ActivatedAt), schema.Nanos(k.RetiredAt), schema.Nanos(k.RevokedAt), nonNil(k.MAC))
	return wrap("put key", err)
}

func (t *tx) DeleteKey(kid string) error {
	res, err := t.exec(qDeleteKey, kid)
	return t.affected("delete key", "key", res, err)
}

func (t *tx) Secret(name string) ([]byte, error) {
	var b []byte
	err := t.queryRow(qSecret, name).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("secret")
	}
	return b, wrap("secret", err)
}

func (t *tx) SecretNames() ([]string, error) {
	rows, err := t.query(qSecretNames)
	if err != nil {
		return nil, wrap("secret names", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, wrap("secret names", err)
		}
		out = append(out, name)
	}
	return out, wrap("secret names", rows.Err())
}

func (t *tx) PutSecret(name string, sealed []byte) error {
	_, err := t.exec(qPutSecret, name, sealed)
	return wrap("put secret", err)
}

// LockKeys needs no statement of its own: the transaction has held
// SQLite's database write lock since BEGIN IMMEDIATE (see LockUser), which
// excludes every other writer of the keyring until it ends.
func (t *tx) LockKeys() error { return nil }
