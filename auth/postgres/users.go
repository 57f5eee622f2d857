package postgres

import (
	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/internal/schema"
)

const userCols = `id, email, password_hash, roles, disabled, created_at, updated_at, password_changed_at`

const (
	qUser         = `SELECT ` + userCols + ` FROM users WHERE id = $1`
	qLockUser     = `SELECT ` + userCols + ` FROM users WHERE id = $1 FOR UPDATE`
	qUserByEmail  = `SELECT ` + userCols + ` FROM users WHERE email_key = $1`
	qUsers        = `SELECT ` + userCols + ` FROM users WHERE id > $1 ORDER BY id LIMIT $2`
	qUsersByEmail = `SELECT ` + userCols + ` FROM users WHERE id > $1 AND strpos(email_key, $2) > 0 ORDER BY id LIMIT $3`
	// qCreateUser does nothing on a collision of either unique key, so
	// that the transaction stays usable (as in SQLite); CreateUser then
	// tells which key collided.
	qCreateUser = `INSERT INTO users (` + userCols + `, email_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`
	qUserExists = `SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)`
	// qUpdateUser writes nothing if another user has the email key.
	qUpdateUser = `UPDATE users SET email = $1, email_key = $2, password_hash = $3, roles = $4, disabled = $5, created_at = $6, updated_at = $7,
		password_changed_at = $8 WHERE id = $9 AND NOT EXISTS (SELECT 1 FROM users o WHERE o.email_key = $2 AND o.id <> $9)`
	qDeleteUser = `DELETE FROM users WHERE id = $1`
)

func scanUser(row scanner) (*auth.User, error) {
	var (
		u                   auth.User
		roles               string
		created, updated, p int64
	)
	if err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &roles, &u.Disabled, &created, &updated, &p); err != nil {
		return nil, err
	}
	u.Roles = schema.SplitList(roles)
	u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt = schema.FromNanos(created), schema.FromNanos(updated), schema.FromNanos(p)
	return &u, nil
}

// User answers from the user that LockSession read, if it is this one and
// the transaction has written nothing since (see LockSession), and reads
// the row otherwise.
func (t *tx) User(id string) (*auth.User, error) {
	if u := t.user; u != nil && u.ID == id {
		t.user = nil
		return u, nil
	}
	return one(t, "user", scanUser, qUser, id)
}

// LockUser reads the user with SELECT … FOR UPDATE: the row stays locked
// until the transaction ends.
func (t *tx) LockUser(id string) (*auth.User, error) { return one(t, "user", scanUser, qLockUser, id) }

func (t *tx) UserByEmail(email string) (*auth.User, error) {
	return one(t, "user", scanUser, qUserByEmail, auth.EmailKey(email))
}

func (t *tx) Users(q auth.UserQuery) ([]*auth.User, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	if q.Email != "" {
		// strpos, not LIKE: the search is a plain substring, with no
		// wildcard characters to escape.
		return all(t, "users", scanUser, qUsersByEmail, q.AfterID, auth.EmailKey(q.Email), limit)
	}
	return all(t, "users", scanUser, qUsers, q.AfterID, limit)
}

func (t *tx) CreateUser(u *auth.User) error {
	tag, err := t.exec(qCreateUser,
		u.ID, u.Email, u.PasswordHash, schema.JoinList(u.Roles), u.Disabled, schema.Nanos(u.CreatedAt), schema.Nanos(u.UpdatedAt), schema.Nanos(u.PasswordChangedAt), auth.EmailKey(u.Email))
	if err != nil {
		return userConflict("create user", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var idTaken bool
	if err := t.queryRow(qUserExists, u.ID).Scan(&idTaken); err != nil {
		return mapErr("create user", err)
	}
	if idTaken {
		return conflict("user")
	}
	return errEmailTaken
}

func (t *tx) UpdateUser(u *auth.User) error {
	tag, err := t.exec(qUpdateUser,
		u.Email, auth.EmailKey(u.Email), u.PasswordHash, schema.JoinList(u.Roles), u.Disabled, schema.Nanos(u.CreatedAt), schema.Nanos(u.UpdatedAt), schema.Nanos(u.PasswordChangedAt), u.ID)
	if err != nil {
		return userConflict("update user", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var exists bool
	if err := t.queryRow(qUserExists, u.ID).Scan(&exists); err != nil {
		return mapErr("update user", err)
	}
	if exists {
		return errEmailTaken
	}
	return notFound("user")
}

// userConflict maps a unique violation that a concurrent transaction
// caused after the checks of the statement (it committed the same key
// meanwhile) to the code of the key.
func userConflict(op string, err error) error {
	if pgCode(err) == codeUniqueViolation {
		if constraintName(err) == "users_pkey" {
			return conflict("user")
		}
		return errEmailTaken
	}
	return mapErr(op, err)
}

func (t *tx) DeleteUser(id string) error {
	tag, err := t.exec(qDeleteUser, id)
	return affected("delete user", "user", tag, err)
}
