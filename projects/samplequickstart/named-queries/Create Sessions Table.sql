-- The table seeds/002 Startup and Shutdown examples write to; the gateway startup script runs this when the project loads.
CREATE TABLE IF NOT EXISTS sessions (
  session_id TEXT PRIMARY KEY,
  start_time TEXT NOT NULL,
  end_time TEXT
)
