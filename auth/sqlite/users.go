package sqlite

import (
	"database/sql"
	"errors"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/wardauth/ward/auth"
	"github.com/wardauth/ward/auth/internal/schema"
)

const (
	qUser         = `SELECT ` + userCols + ` FROM users WHERE id = ?`
	qUserByEmail  = `SELECT ` + userCols + ` FROM users WHERE email_key = ?`
	qUsers        = `SELECT ` + userCols + ` FROM users WHERE id > ? ORDER BY id LIMIT ?`
	qUsersByEmail = `SELECT ` + userCols + ` FROM users WHERE id > ? AND instr(email_key, ?) > 0 ORDER BY id LIMIT ?`
	qCreateUser   = `INSERT INTO users (` + userCols + `, email_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qUpdateUser   = `UPDATE users SET email = ?, email_key = ?, password_hash = ?, roles = ?, disabled = ?, created_at = ?, updated_at = ?, password_changed_at = ? WHERE id = ?`
	qDeleteUser   = `DELETE FROM users WHERE id = ?`
)

const userCols = `id, email, password_hash, roles, disabled, created_at, updated_at, password_changed_at`

func scanUser(row interface{ Scan(...any) error }) (*auth.User, error) {
	var (
		u                   auth.User
		roles               string
		disabled            int
		created, updated, p int64
	)
	if err := row.Scan(&u.ID, &u.Email, &u.PasswordHash, &roles, &disabled, &created, &updated, &p); err != nil {
		return nil, err
	}
	u.Roles, u.Disabled = schema.SplitList(roles), disabled != 0
	u.CreatedAt, u.UpdatedAt, u.PasswordChangedAt = schema.FromNanos(created), schema.FromNanos(updated), schema.FromNanos(p)
	return &u, nil
}

func (t *tx) User(id string) (*auth.User, error) {
	u, err := scanUser(t.queryRow(qUser, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("user")
	}
	return u, wrap("user", err)
}

func (t *tx) UserByEmail(email string) (*auth.User, error) {
	u, err := scanUser(t.queryRow(qUserByEmail, auth.EmailKey(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("user")
	}
	return u, wrap("user by email", err)
}

func (t *tx) Users(q auth.UserQuery) ([]*auth.User, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	query, args := qUsers, []any{q.AfterID, limit}
	if q.Email != "" {
		// instr, not LIKE: the search is a plain substring, with no
		// wildcard characters to escape.
		query, args = qUsersByEmail, []any{q.AfterID, auth.EmailKey(q.Email), limit}
	}
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, wrap("users", err)
	}
	defer rows.Close()
	var out []*auth.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, wrap("users", err)
		}
		out = append(out, u)
	}
	return out, wrap("users", rows.Err())
}

func userConflict(err error) error {
	switch constraint(err) {
	case 0:
		return nil
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return &auth.Error{Code: auth.CodeConflict, Message: "A user with this ID exists."}
	default: // the unique email key
		return &auth.Error{Code: auth.CodeEmailTaken, Message: "An account with this email address already exists."}
	}
}

func (t *tx) CreateUser(u *auth.User) error {
	_, err := t.exec(qCreateUser,
		u.ID, u.Email, u.PasswordHash, schema.JoinList(u.Roles), b2i(u.Disabled), schema.Nanos(u.CreatedAt), schema.Nanos(u.UpdatedAt), schema.Nanos(u.PasswordChangedAt), auth.EmailKey(u.Email))
	if e := userConflict(err); e != nil {
		return e
	}
	return wrap("create user", err)
}

func (t *tx) UpdateUser(u *auth.User) error {
	res, err := t.exec(qUpdateUser,
		u.Email, auth.EmailKey(u.Email), u.PasswordHash, schema.JoinList(u.Roles), b2i(u.Disabled), schema.Nanos(u.CreatedAt), schema.Nanos(u.UpdatedAt), schema.Nanos(u.PasswordChangedAt), u.ID)
	if e := userConflict(err); e != nil {
		return e
	}
	return t.affected("update user", "user", res, err)
}

func (t *tx) affected(op, what string, res sql.Result, err error) error {
	if err != nil {
		return wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(what)
	}
	return nil
}

func (t *tx) DeleteUser(id string) error {
	res, err := t.exec(qDeleteUser, id)
	return t.affected("delete user", "user", res, err)
}

// LockUser is User. SQLite locks the whole database, not rows: every
// Update transaction begins with BEGIN IMMEDIATE, which takes the write
// lock before its first statement and holds it until the commit, so no
// other writer (this process's writer loop or another process) can change
// the user until the transaction ends.
func (t *tx) LockUser(id string) (*auth.User, error) { return t.User(id) }
