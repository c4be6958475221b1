# Makes sql/ the package `wodlab.sql` (see pyproject.toml) so migrations and queries ship in the wheel.
