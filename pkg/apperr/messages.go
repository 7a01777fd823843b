package apperr

// Platform-wide codes. Capabilities register theirs in their own packages.
func init() {
	Register("internal", "服务器内部错误，请稍后重试；如持续出现请提供请求编号联系管理员", "Internal server error; try again later, and quote the request ID if it persists")
	Register("unavailable", "服务暂不可用：{dependency}", "Service unavailable: {dependency}")
	Register("malformed_json", "请求体不是有效的 JSON：{reason}", "The request body is not valid JSON: {reason}")
	Register("unsupported_media_type", "请求体必须是 application/json", "The request body must be application/json")
	Register("payload_too_large", "请求体超过大小限制（{limit} 字节）", "The request body exceeds the size limit ({limit} bytes)")
	Register("route_not_found", "接口不存在：{method} {path}", "No such endpoint: {method} {path}")
	Register("method_not_allowed", "该接口不支持 {method} 方法", "The endpoint does not support {method}")
	Register("not_found", "资源不存在或无权查看", "The resource does not exist or is not visible to you")
	Register("conflict", "资源已存在或状态已变化", "The resource already exists or its state has changed")
	Register("forbidden", "没有执行此操作的权限", "You are not allowed to do this")
	Register("unauthenticated", "请先登录", "Please sign in first")
	Register("too_many_requests", "请求过于频繁，请稍后再试", "Too many requests; please try again later")
	Register("validation_failed", "提交的内容有误，请按提示修改", "Some fields are invalid; see the errors")
	Register("bad_query", "查询参数 {param} 无效：{reason}", "Query parameter {param} is invalid: {reason}")
	Register("bad_path_param", "路径参数 {param} 无效", "Path parameter {param} is invalid")
	Register("timeout", "请求处理超时", "The request timed out")
	Register("headers_too_large", "请求头过大（超过 {limit} 字节），请清除本站 Cookie 后重试", "The request headers are too large (over {limit} bytes); clear this site's cookies and retry")
	// Field codes.
	Register("required", "必填", "is required")
	Register("too_long", "长度不能超过 {max}", "must be at most {max} characters")
	Register("too_short", "长度不能少于 {min}", "must be at least {min} characters")
	Register("invalid_format", "格式不正确", "has an invalid format")
	Register("out_of_range", "取值必须在 {min} 到 {max} 之间", "must be between {min} and {max}")
	Register("not_allowed_value", "取值不在允许范围内：{allowed}", "must be one of: {allowed}")
	Register("unknown_field", "不支持的字段", "is not a known field")
	Register("wrong_type", "类型不正确，应为 {want}", "has the wrong type; want {want}")
	Register("invalid_characters", "不能包含空字符（NUL）", "must not contain NUL characters")
}
