-- Undo 0001_users: drop its tables (dependants first).
DROP TABLE user_social_profiles;
DROP TABLE user_progress;
DROP TABLE user_profiles;
DROP TABLE user_interests;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE password_resets;
DROP TABLE users;
