"""wodlab: WODCraft workouts, results and live events in PostgreSQL, as pandas DataFrames.

    import wodlab
    lab = wodlab.connect()            # DATABASE_URL, or the embedded server under WODLAB_HOME
    lab.load_wods(library=True)       # wodcraft's 83 benchmark workouts
    lab.search_wods(movements_all=["thruster", "pull_up"])
    wodlab.parse_score("7 rds 12 Rx") # Score(score_type='ROUNDS', ...)
"""

from wodlab import difficulty
from wodlab.core.errors import DatabaseError, QueryError, WodCompileError, WodlabError
from wodlab.core.resources import wodlab_version
from wodlab.lab import Lab, connect
from wodlab.load.report import LoadError, LoadReport
from wodlab.scoring.ranking import personal_records, rank_key
from wodlab.scoring.scores import parse_score
from wodlab.scoring.values import Score, ScoreMismatch, ScoreSyntaxError
from wodlab.tables.wod_records import WodRecord, compile_records, generate_wod_hash
from wodlab.views import plots

__version__ = wodlab_version()

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
