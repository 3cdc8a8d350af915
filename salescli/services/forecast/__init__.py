"""The forecast (SPEC "Forecast"): engine (the figures per rep with team roll-ups), methods
(historical win rates, Monte Carlo), adjust (a manager's judgement), snapshots (stored
forecasts and their accuracy) and backtest (forecasting the past from stage history)."""
