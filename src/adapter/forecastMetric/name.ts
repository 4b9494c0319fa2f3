/** The name of the external metric Foresight serves its forecasts under, for targets and scalers alike. */
export const FORECAST_METRIC = "foresight_forecast";
