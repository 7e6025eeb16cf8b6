"""Operations and data types of the ETSI MEC APIs, as data written from the specs' facts."""
