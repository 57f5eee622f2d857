package sqlite

import (
	"database/sql"
	"errors"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/internal/schema"
)

const clientCols = `id, name, secret_hash, scopes, disabled, created_at, introspect, introspect_email, feed, prev_secret_hash, prev_secret_until, updated_at`

const (
	qClient       = `SELECT ` + clientCols + ` FROM clients WHERE id = ?`
	qClients      = `SELECT ` + clientCols + ` FROM clients ORDER BY id`
	qCreateClient = `INSERT INTO clients (` + clientCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qUpdateClient = `UPDATE clients SET name = ?, secret_hash = ?, scopes = ?, disabled = ?, created_at = ?, introspect = ?, introspect_email = ?,
		feed = ?, prev_secret_hash = ?, prev_secret_until = ?, updated_at = ? WHERE id = ?`
	qDeleteClient = `DELETE FROM clients WHERE id = ?`
)

func scanClient(row interface{ Scan(...any) error }) (*auth.Client, error) {
	var (
		c                            auth.Client
		scopes                       string
		disabled, intro, email, feed int
		created, prevUntil, updated  int64
	)
	if err := row.Scan(&c.ID, &c.Name, &c.SecretHash, &scopes, &disabled, &created, &intro, &email, &feed,
		&c.PreviousSecretHash, &prevUntil, &updated); err != nil {
		return nil, err
	}
	c.Scopes, c.Disabled, c.CreatedAt = schema.SplitList(scopes), disabled != 0, schema.FromNanos(created)
	c.Introspect, c.IntrospectEmail, c.Feed = intro != 0, email != 0, feed != 0
	c.PreviousSecretUntil, c.UpdatedAt = schema.FromNanos(prevUntil), schema.FromNanos(updated)
	if len(c.PreviousSecretHash) == 0 {
		c.PreviousSecretHash = nil
	}
	return &c, nil
}

func (t *tx) Client(id string) (*auth.Client, error) {
	c, err := scanClient(t.queryRow(qClient, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("client")
	}
	return c, wrap("client", err)
}

// LockClient is Client: the transaction holds SQLite's write lock since
// BEGIN IMMEDIATE.
func (t *tx) LockClient(id string) (*auth.Client, error) { return t.Client(id) }

func (t *tx) Clients() ([]*auth.Client, error) {
	rows, err := t.query(qClients)
	if err != nil {
		return nil, wrap("clients", err)
	}
	defer rows.Close()
	var out []*auth.Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, wrap("clients", err)
		}
		out = append(out, c)
	}
	return out, wrap("clients", rows.Err())
}

func (t *tx) CreateClient(c *auth.Client) error {
	_, err := t.exec(qCreateClient, c.ID, c.Name, c.SecretHash, schema.JoinList(c.Scopes), b2i(c.Disabled), schema.Nanos(c.CreatedAt),
		b2i(c.Introspect), b2i(c.IntrospectEmail), b2i(c.Feed), nonNil(c.PreviousSecretHash), schema.Nanos(c.PreviousSecretUntil), schema.Nanos(c.UpdatedAt))
	if constraint(err) != 0 {
		return &auth.Error{Code: auth.CodeConflict, Message: "A client with this ID exists."}
	}
	return wrap("create client", err)
}

func (t *tx) UpdateClient(c *auth.Client) error {
	res, err := t.exec(qUpdateClient, c.Name, c.SecretHash, schema.JoinList(c.Scopes), b2i(c.Disabled), schema.Nanos(c.CreatedAt),
		b2i(c.Introspect), b2i(c.IntrospectEmail), b2i(c.Feed), nonNil(c.PreviousSecretHash), schema.Nanos(c.PreviousSecretUntil), schema.Nanos(c.UpdatedAt), c.ID)
	return t.affected("update client", "client", res, err)
}

func (t *tx) DeleteClient(id string) error {
	res, err := t.exec(qDeleteClient, id)
	return t.affected("delete client", "client", res, err)
}

// nonNil returns b, or an empty slice for nil: a NOT NULL BLOB column
// takes no NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
