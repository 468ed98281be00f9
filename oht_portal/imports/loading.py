"""PostgreSQL bulk loading: COPY a pandas frame into a (staging) table."""

import io

import pandas as pd


def copy_frame(cursor, table: str, columns: list[str], frame: pd.DataFrame, *, text_columns):
    """COPY `frame[columns]` into `table` as CSV through psycopg 3.

    Empty text cells are stored as '' (FORCE_NOT_NULL), empty dates as NULL, booleans
    as t/f: the same values the ORM would write."""
    out = frame[columns].copy()
    for column in columns:
        series = out[column]
        if pd.api.types.is_bool_dtype(series):
            out[column] = series.map({True: "t", False: "f"})
        elif pd.api.types.is_datetime64_any_dtype(series):
            out[column] = series.dt.strftime("%Y-%m-%d").where(series.notna(), None)
    buffer = io.StringIO()
    out.to_csv(buffer, header=False, index=False)
    force = ", ".join(text_columns)
    with cursor.copy(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN "
        f"WITH (FORMAT csv, FORCE_NOT_NULL ({force}))"
    ) as copy:
        copy.write(buffer.getvalue())
