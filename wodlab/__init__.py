"""wodlab: WODCraft workouts, results and live events in PostgreSQL, as pandas DataFrames.

    import wodlab
    lab = wodlab.connect()            # DATABASE_URL, or the embedded server under WODLAB_HOME
    lab.load_wods(library=True)       # wodcraft's 83 benchmark workouts
    lab.search_wods(movements_all=["thruster", "pull_up"])
    wodlab.parse_score("7 rds 12 Rx") # Score(score_type='ROUNDS', ...)
"""

from wodlab import difficulty, plots
from wodlab.errors import DatabaseError, QueryError, WodCompileError, WodlabError
from wodlab.lab import Lab, connect
from wodlab.loading import LoadError, LoadReport
from wodlab.ranking import personal_records, rank_key
from wodlab.scores import Score, ScoreMismatch, ScoreSyntaxError, parse_score
from wodlab.wods import WodRecord, compile_records, generate_wod_hash

__version__ = "0.1.0"

__all__ = [
    "DatabaseError",
    "Lab",
    "LoadError",
    "LoadReport",
    "QueryError",
    "Score",
    "ScoreMismatch",
    "ScoreSyntaxError",
    "WodCompileError",
    "WodRecord",
    "WodlabError",
    "compile_records",
    "connect",
    "difficulty",
    "generate_wod_hash",
    "parse_score",
    "personal_records",
    "plots",
    "rank_key",
]
