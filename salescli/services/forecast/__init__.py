"""The forecast (SPEC "Forecast"): figures (the figures of one row, from one grouped_totals
query), engine (the forecast: rows per rep with team roll-ups along the hierarchy, or per stage
or month), methods (historical win rates, Monte Carlo), adjust (a manager's judgement), snapshots (stored
forecasts and their accuracy) and backtest (forecasting the past from stage history)."""
