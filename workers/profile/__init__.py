"""The worker's profile (本人信息管理): versioned sections."""
