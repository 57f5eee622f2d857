package postgres

import (
	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/internal/schema"
)

const clientCols = `id, name, secret_hash, scopes, disabled, created_at, introspect, introspect_email, feed, prev_secret_hash, prev_secret_until, updated_at`

const (
	qClient       = `SELECT ` + clientCols + ` FROM clients WHERE id = $1`
	qLockClient   = `SELECT ` + clientCols + ` FROM clients WHERE id = $1 FOR UPDATE`
	qClients      = `SELECT ` + clientCols + ` FROM clients ORDER BY id`
	qCreateClient = `INSERT INTO clients (` + clientCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`
	qUpdateClient = `UPDATE clients SET name = $1, secret_hash = $2, scopes = $3, disabled = $4, created_at = $5, introspect = $6, introspect_email = $7,
		feed = $8, prev_secret_hash = $9, prev_secret_until = $10, updated_at = $11 WHERE id = $12`
	qDeleteClient = `DELETE FROM clients WHERE id = $1`
)

func scanClient(row scanner) (*auth.Client, error) {
	var (
		c                           auth.Client
		scopes                      string
		created, prevUntil, updated int64
	)
	if err := row.Scan(&c.ID, &c.Name, &c.SecretHash, &scopes, &c.Disabled, &created, &c.Introspect, &c.IntrospectEmail, &c.Feed,
		&c.PreviousSecretHash, &prevUntil, &updated); err != nil {
		return nil, err
	}
	c.Scopes, c.CreatedAt = schema.SplitList(scopes), schema.FromNanos(created)
	c.PreviousSecretUntil, c.UpdatedAt = schema.FromNanos(prevUntil), schema.FromNanos(updated)
	if len(c.PreviousSecretHash) == 0 {
		c.PreviousSecretHash = nil
	}
	return &c, nil
}

func (t *tx) Client(id string) (*auth.Client, error) {
	return one(t, "client", scanClient, qClient, id)
}

// LockClient reads the client with SELECT … FOR UPDATE: the row stays
// locked until the transaction ends.
func (t *tx) LockClient(id string) (*auth.Client, error) {
	return one(t, "client", scanClient, qLockClient, id)
}

func (t *tx) Clients() ([]*auth.Client, error) { return all(t, "clients", scanClient, qClients) }

func (t *tx) CreateClient(c *auth.Client) error {
	tag, err := t.exec(qCreateClient, c.ID, c.Name, c.SecretHash, schema.JoinList(c.Scopes), c.Disabled, schema.Nanos(c.CreatedAt),
		c.Introspect, c.IntrospectEmail, c.Feed, nonNil(c.PreviousSecretHash), schema.Nanos(c.PreviousSecretUntil), schema.Nanos(c.UpdatedAt))
	if err != nil {
		return mapErr("create client", err)
	}
	if tag.RowsAffected() == 0 {
		return conflict("client")
	}
	return nil
}

func (t *tx) UpdateClient(c *auth.Client) error {
	tag, err := t.exec(qUpdateClient, c.Name, c.SecretHash, schema.JoinList(c.Scopes), c.Disabled, schema.Nanos(c.CreatedAt),
		c.Introspect, c.IntrospectEmail, c.Feed, nonNil(c.PreviousSecretHash), schema.Nanos(c.PreviousSecretUntil), schema.Nanos(c.UpdatedAt), c.ID)
	return affected("update client", "client", tag, err)
}

func (t *tx) DeleteClient(id string) error {
	tag, err := t.exec(qDeleteClient, id)
	return affected("delete client", "client", tag, err)
}
