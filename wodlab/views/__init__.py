"""What people look at: plotly figures of the frames wodlab returns."""
