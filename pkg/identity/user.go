package identity

import (
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"sunshine/pkg/apperr"
	"sunshine/pkg/platform/db"
)

// User is a staff member of one tenant.
type User struct {
	ID                 uuid.UUID  `gorm:"type:uuid;primaryKey" json:"id"`
	TenantID           uuid.UUID  `gorm:"type:uuid" json:"-"`
	Username           string     `json:"username"`
	DisplayName        string     `json:"display_name"`
	DepartmentID       *uuid.UUID `gorm:"type:uuid" json:"department_id"`
	Phone              string     `json:"phone"`
	Email              string     `json:"email"`
	PasswordHash       string     `json:"-"`
	MustChangePassword bool       `json:"must_change_password"`
	Status             string     `json:"status"`
	PasswordChangedAt  *time.Time `json:"password_changed_at,omitempty"`
	LastLoginAt        *time.Time `json:"last_login_at,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

// TableName maps User to its table.
func (User) TableName() string { return "users" }

// User statuses.
const (
	UserActive   = "active"
	UserDisabled = "disabled"
)

var (
	usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)
	phoneRE    = regexp.MustCompile(`^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$`)
	emailRE    = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// NewUserInput is what creating a user needs.
type NewUserInput struct {
	Username     string     `json:"username"`
	DisplayName  string     `json:"display_name"`
	DepartmentID *uuid.UUID `json:"department_id"`
	Phone        string     `json:"phone"`
	Email        string     `json:"email"`
}

// Normalize trims the input and lower-cases the username.
func (in *NewUserInput) Normalize() {
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Phone = strings.TrimSpace(in.Phone)
	in.Email = strings.TrimSpace(in.Email)
}

// Validate lists every problem with the input.
func (in *NewUserInput) Validate() error {
	var v apperr.Fields
	if v.Required("username", in.Username) && !usernameRE.MatchString(in.Username) {
		v.Add("username", "identity.username_format")
	}
	if v.Required("display_name", in.DisplayName) && len([]rune(in.DisplayName)) > 50 {
		v.Add("display_name", "too_long", apperr.Params{"max": 50})
	}
	if in.Phone != "" && !phoneRE.MatchString(in.Phone) {
		v.Add("phone", "identity.phone_format")
	}
	if in.Email != "" && !emailRE.MatchString(in.Email) {
		v.Add("email", "invalid_format")
	}
	return v.Err()
}

// CreateUser inserts a user with a hashed password inside tx (scoped to tenantID).
// A taken username is a 409 naming the field.
func CreateUser(tx *gorm.DB, tenantID uuid.UUID, in NewUserInput, passwordHash string, mustChange bool) (*User, error) {
	u := &User{
		ID: uuid.Must(uuid.NewV7()), TenantID: tenantID, Username: in.Username, DisplayName: in.DisplayName,
		DepartmentID: in.DepartmentID, Phone: in.Phone, Email: in.Email, PasswordHash: passwordHash,
		MustChangePassword: mustChange, Status: UserActive,
	}
	if err := tx.Create(u).Error; err != nil {
		if db.IsUniqueViolation(err, "users_tenant_id_username_key") {
			return nil, apperr.Conflict("identity.username_taken", apperr.Params{"username": in.Username}).WithField("username", "identity.username_taken", apperr.Params{"username": in.Username})
		}
		if db.ConstraintName(err) == "users_tenant_id_department_id_fkey" {
			return nil, apperr.Invalid("validation_failed").WithField("department_id", "identity.department_unknown")
		}
		return nil, db.Classify(err)
	}
	return u, nil
}

// FindUser loads a user by username within tx's scope.
func FindUser(tx *gorm.DB, tenantID uuid.UUID, username string) (*User, error) {
	var u User
	err := tx.Where("tenant_id = ? AND username = ?", tenantID, strings.ToLower(username)).First(&u).Error
	if err != nil {
		return nil, db.Classify(err)
	}
	return &u, nil
}

// GetUser loads a user by ID within tx's scope (404 when absent or not visible).
func GetUser(tx *gorm.DB, id uuid.UUID) (*User, error) {
	var u User
	if err := tx.Where("id = ?", id).First(&u).Error; err != nil {
		return nil, db.Classify(err)
	}
	return &u, nil
}

func init() {
	apperr.Register("identity.username_format", "用户名须为 2-32 位小写字母、数字、点、下划线或连字符，以字母或数字开头", "Usernames are 2–32 lower-case letters, digits, dots, underscores or hyphens, starting with a letter or digit")
	apperr.Register("identity.username_taken", "用户名 {username} 已被使用", "The username {username} is taken")
	apperr.Register("identity.phone_format", "电话号码格式不正确（手机 11 位或带区号的固定电话）", "Invalid phone number (11-digit mobile or landline with area code)")
	apperr.Register("identity.department_unknown", "部门不存在", "No such department")
	apperr.Register("identity.password_weak", "密码须包含大写字母、小写字母、数字、符号中的至少三类", "Passwords need at least three of: upper case, lower case, digits, symbols")
	apperr.Register("identity.password_contains_username", "密码不能包含用户名", "The password must not contain the username")
	apperr.Register("identity.bad_credentials", "租户、用户名或密码错误", "Wrong tenant, username or password")
	apperr.Register("identity.throttled", "登录失败次数过多，请 {minutes} 分钟后再试", "Too many failed sign-ins; try again in {minutes} minutes")
	apperr.Register("identity.tenant_suspended", "该单位已暂停使用：{reason}", "This tenant is suspended: {reason}")
	apperr.Register("identity.user_disabled", "该账号已停用", "This account is disabled")
	apperr.Register("identity.session_expired", "登录已过期，请重新登录", "Your session has expired; please sign in again")
	apperr.Register("identity.csrf", "请求缺少有效的 CSRF 令牌，请刷新页面后重试", "The request lacks a valid CSRF token; reload the page and try again")
	apperr.Register("identity.password_change_required", "首次登录须先修改密码", "You must change your password before continuing")
	apperr.Register("identity.old_password_wrong", "原密码不正确", "The current password is wrong")
	apperr.Register("identity.password_reused", "新密码不能与原密码相同", "The new password must differ from the current one")
}
