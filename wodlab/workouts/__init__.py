"""Workouts: texts, the wodcraft compiler, what a workout asks for, the movement catalog, its levels and features."""
